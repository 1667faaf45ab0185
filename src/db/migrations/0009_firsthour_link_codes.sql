CREATE TABLE "merchant_link_codes" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"code_hash" text NOT NULL,
	"created_by" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"used_channel" text,
	"used_recipient" text,
	"failures" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "must_change_password" boolean DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX "merchant_link_codes_hash_idx" ON "merchant_link_codes" USING btree ("code_hash");--> statement-breakpoint
CREATE INDEX "merchant_link_codes_expires_idx" ON "merchant_link_codes" USING btree ("expires_at");