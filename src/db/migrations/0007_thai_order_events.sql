ALTER TABLE "order_history" ADD COLUMN "event" jsonb;--> statement-breakpoint
-- hand-written: what the system wrote as English notes before it recorded events becomes events, so
-- old orders read in each reader's language too; notes people typed stay as they are.
UPDATE "order_history" SET "event" = jsonb_build_object('kind', 'order.placed', 'params', jsonb_build_object('channel', substring("note" from '^order placed \((\w+)\)$'))), "note" = NULL
  WHERE "event" IS NULL AND "note" ~ '^order placed \(\w+\)$';--> statement-breakpoint
UPDATE "order_history" SET "event" = jsonb_build_object('kind', 'slip.toCheck', 'params', jsonb_build_object('reasons', to_jsonb(string_to_array(substring("note" from '^slip to check: (.*)$'), ', ')))), "note" = NULL
  WHERE "event" IS NULL AND "note" ~ '^slip to check: [a-z_]+(, [a-z_]+)*$';--> statement-breakpoint
UPDATE "order_history" SET "event" = jsonb_build_object('kind', 'slip.verified', 'params', jsonb_build_object('ref', coalesce(substring("note" from '^slip (\S+) verified$'), ''))), "note" = NULL
  WHERE "event" IS NULL AND "note" ~ '^slip (\S+ )?verified$';--> statement-breakpoint
UPDATE "order_history" SET "event" = jsonb_build_object('kind', 'order.paidOnMarketplace', 'params', jsonb_build_object('channel', substring("note" from '^paid on (\w+)$'))), "note" = NULL
  WHERE "event" IS NULL AND "note" ~ '^paid on (shopee|lazada|tiktok)$';--> statement-breakpoint
UPDATE "order_history" SET "event" = jsonb_build_object('kind', 'order.merged', 'params', jsonb_build_object('number', substring("note" from '^merged into (\S+)$'))), "note" = NULL
  WHERE "event" IS NULL AND "note" ~ '^merged into \S+$';--> statement-breakpoint
UPDATE "order_history" SET "event" = jsonb_build_object('kind', 'order.paidAtCounter', 'params', '{}'::jsonb), "note" = NULL
  WHERE "event" IS NULL AND "note" = 'paid at the counter';--> statement-breakpoint
UPDATE "order_history" SET "event" = jsonb_build_object('kind', 'order.expired', 'params', jsonb_build_object('hours', substring("note" from '^not paid within (\d+) h$')::int)), "note" = NULL
  WHERE "event" IS NULL AND "note" ~ '^not paid within \d+ h$';
