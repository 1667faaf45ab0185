ALTER TYPE "public"."outbox_status" ADD VALUE 'skipped';--> statement-breakpoint
ALTER TABLE "customer_identities" ADD COLUMN "last_inbound_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "outbox" ADD COLUMN "skip_reason" text;--> statement-breakpoint
-- hand-written: every chat's last inbound time from the events already received (the page's own
-- Messenger echoes are not the person writing), so the 24-hour rule knows it from the first send.
UPDATE "customer_identities" AS ci SET "last_inbound_at" = i.at
FROM (
  SELECT "user_key", max("received_at") AS at FROM "chat_inbox"
  WHERE coalesce(("payload" -> 'message' ->> 'is_echo')::boolean, false) = false
  GROUP BY "user_key"
) AS i
WHERE i."user_key" = ci."channel"::text || ':' || ci."external_id";
