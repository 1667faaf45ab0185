ALTER TYPE "public"."chat_channel" ADD VALUE 'facebook';--> statement-breakpoint
ALTER TYPE "public"."chat_channel" ADD VALUE 'instagram';--> statement-breakpoint
ALTER TYPE "public"."order_channel" ADD VALUE 'facebook' BEFORE 'manual';--> statement-breakpoint
ALTER TYPE "public"."order_channel" ADD VALUE 'instagram' BEFORE 'manual';