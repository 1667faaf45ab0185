CREATE TYPE "public"."conversation_state" AS ENUM('bot', 'waiting', 'person');--> statement-breakpoint
CREATE TABLE "chat_messages" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"conversation_id" integer NOT NULL,
	"direction" text NOT NULL,
	"sender" text NOT NULL,
	"staff_user_id" integer,
	"channel" text NOT NULL,
	"event_id" text,
	"inbox_id" bigint,
	"outbox_id" bigint,
	"kind" text NOT NULL,
	"text" text,
	"media_path" text,
	"sticker" text,
	"slip_id" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "conversations" (
	"id" serial PRIMARY KEY NOT NULL,
	"identity_id" integer NOT NULL,
	"channel" text NOT NULL,
	"state" "conversation_state" DEFAULT 'bot' NOT NULL,
	"handover_until" timestamp with time zone,
	"assigned_user_id" integer,
	"labels" text[] DEFAULT '{}'::text[] NOT NULL,
	"last_message_id" bigint,
	"last_message_at" timestamp with time zone DEFAULT now() NOT NULL,
	"unread" integer DEFAULT 0 NOT NULL,
	"last_read_message_id" bigint,
	"last_read_by" integer,
	"reply_token" text,
	"reply_token_expires_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "saved_replies" (
	"id" serial PRIMARY KEY NOT NULL,
	"title" text NOT NULL,
	"body" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "chat_messages" ADD CONSTRAINT "chat_messages_conversation_id_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "public"."conversations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "chat_messages" ADD CONSTRAINT "chat_messages_staff_user_id_users_id_fk" FOREIGN KEY ("staff_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_identity_id_customer_identities_id_fk" FOREIGN KEY ("identity_id") REFERENCES "public"."customer_identities"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_assigned_user_id_users_id_fk" FOREIGN KEY ("assigned_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_last_read_by_users_id_fk" FOREIGN KEY ("last_read_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "chat_messages_conversation_idx" ON "chat_messages" USING btree ("conversation_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "chat_messages_inbox_key" ON "chat_messages" USING btree ("inbox_id");--> statement-breakpoint
CREATE UNIQUE INDEX "chat_messages_outbox_key" ON "chat_messages" USING btree ("outbox_id");--> statement-breakpoint
CREATE INDEX "chat_messages_text_trgm_idx" ON "chat_messages" USING gin ("text" gin_trgm_ops);--> statement-breakpoint
CREATE UNIQUE INDEX "conversations_identity_key" ON "conversations" USING btree ("identity_id");--> statement-breakpoint
CREATE INDEX "conversations_recent_idx" ON "conversations" USING btree ("last_message_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "conversations_state_idx" ON "conversations" USING btree ("state","last_message_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "conversations_assigned_idx" ON "conversations" USING btree ("assigned_user_id","last_message_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "conversations_unread_idx" ON "conversations" USING btree ("last_message_at" DESC NULLS LAST) WHERE "conversations"."unread" > 0;-- Every chat identity gets its conversation, so the inbox lists the customers who wrote before it existed.
INSERT INTO "conversations" ("identity_id", "channel", "last_message_at")
SELECT i."id", i."channel"::text, coalesce(i."last_inbound_at", now()) FROM "customer_identities" i
ON CONFLICT ("identity_id") DO NOTHING;--> statement-breakpoint
-- A hand-over in progress (the old chat_sessions.state.handover) carries over as a customer waiting.
UPDATE "conversations" c SET "state" = 'waiting', "handover_until" = (s."state"->>'handover')::timestamptz
FROM "chat_sessions" s
WHERE s."identity_id" = c."identity_id" AND s."state" ? 'handover' AND (s."state"->>'handover')::timestamptz > now();
