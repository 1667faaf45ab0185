ALTER TYPE "public"."payment_method" ADD VALUE 'cash';--> statement-breakpoint
ALTER TYPE "public"."payment_method" ADD VALUE 'marketplace';--> statement-breakpoint
CREATE TABLE "credit_notes" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "credit_notes_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"order_id" integer NOT NULL,
	"invoice_id" integer NOT NULL,
	"series" text NOT NULL,
	"seq" bigint NOT NULL,
	"number" text NOT NULL,
	"amount" bigint NOT NULL,
	"vat" bigint DEFAULT 0 NOT NULL,
	"reason" text NOT NULL,
	"issued_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "credit_notes_amount_pos" CHECK ("credit_notes"."amount" > 0),
	CONSTRAINT "credit_notes_vat_nonneg" CHECK ("credit_notes"."vat" >= 0)
);
--> statement-breakpoint
ALTER TABLE "credit_notes" ADD CONSTRAINT "credit_notes_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credit_notes" ADD CONSTRAINT "credit_notes_invoice_id_invoices_id_fk" FOREIGN KEY ("invoice_id") REFERENCES "public"."invoices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "credit_notes_number_key" ON "credit_notes" USING btree ("number");--> statement-breakpoint
CREATE UNIQUE INDEX "credit_notes_series_seq_key" ON "credit_notes" USING btree ("series","seq");--> statement-breakpoint
CREATE INDEX "credit_notes_order_idx" ON "credit_notes" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "credit_notes_issued_idx" ON "credit_notes" USING btree ("issued_at");--> statement-breakpoint
DROP SEQUENCE "public"."order_number_seq";--> statement-breakpoint
-- hand-written: the gap-free counters start after the numbers already given (order numbers from the
-- dropped sequence, returns and import runs from their serial ids), so no number is given twice.
INSERT INTO "document_counters" ("series", "next_value")
SELECT 'order', GREATEST(10001, COALESCE(MAX(substring("number" from '^TL-(\d+)$')::bigint) + 1, 10001)) FROM "orders"
ON CONFLICT ("series") DO UPDATE SET "next_value" = GREATEST("document_counters"."next_value", EXCLUDED."next_value");--> statement-breakpoint
INSERT INTO "document_counters" ("series", "next_value")
SELECT 'return', COALESCE(MAX("id"), 0) + 1 FROM "return_requests"
ON CONFLICT ("series") DO UPDATE SET "next_value" = GREATEST("document_counters"."next_value", EXCLUDED."next_value");--> statement-breakpoint
INSERT INTO "document_counters" ("series", "next_value")
SELECT 'import-run', COALESCE(MAX("id"), 0) + 1 FROM "import_runs"
ON CONFLICT ("series") DO UPDATE SET "next_value" = GREATEST("document_counters"."next_value", EXCLUDED."next_value");
