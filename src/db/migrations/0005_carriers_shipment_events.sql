CREATE TYPE "public"."carrier_event_status" AS ENUM('booked', 'picked_up', 'in_transit', 'out_for_delivery', 'delivered', 'failed_attempt', 'returning', 'returned', 'cancelled', 'exception');--> statement-breakpoint
ALTER TYPE "public"."shipment_status" ADD VALUE 'booking';--> statement-breakpoint
ALTER TYPE "public"."shipment_status" ADD VALUE 'booked';--> statement-breakpoint
ALTER TYPE "public"."shipment_status" ADD VALUE 'picked_up';--> statement-breakpoint
ALTER TYPE "public"."shipment_status" ADD VALUE 'in_transit';--> statement-breakpoint
ALTER TYPE "public"."shipment_status" ADD VALUE 'out_for_delivery';--> statement-breakpoint
ALTER TYPE "public"."shipment_status" ADD VALUE 'failed_attempt';--> statement-breakpoint
ALTER TYPE "public"."shipment_status" ADD VALUE 'returning';--> statement-breakpoint
ALTER TYPE "public"."shipment_status" ADD VALUE 'cancelled';--> statement-breakpoint
CREATE TABLE "carrier_tokens" (
	"carrier" text PRIMARY KEY NOT NULL,
	"token" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "shipment_events" (
	"id" serial PRIMARY KEY NOT NULL,
	"shipment_id" integer NOT NULL,
	"status" "carrier_event_status" NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"description" text NOT NULL,
	"location" text,
	"raw_code" text NOT NULL,
	"source" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "shipments" ADD COLUMN "out_trade_no" text;--> statement-breakpoint
ALTER TABLE "shipments" ADD COLUMN "booking_error" text;--> statement-breakpoint
ALTER TABLE "shipments" ADD COLUMN "cod_amount" integer;--> statement-breakpoint
ALTER TABLE "shipments" ADD COLUMN "weight_grams" integer;--> statement-breakpoint
ALTER TABLE "shipments" ADD COLUMN "sort_code" text;--> statement-breakpoint
ALTER TABLE "shipments" ADD COLUMN "sorting_line_code" text;--> statement-breakpoint
ALTER TABLE "shipments" ADD COLUMN "destination_store" text;--> statement-breakpoint
ALTER TABLE "shipments" ADD COLUMN "label_path" text;--> statement-breakpoint
ALTER TABLE "shipments" ADD COLUMN "status_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "shipment_events" ADD CONSTRAINT "shipment_events_shipment_id_shipments_id_fk" FOREIGN KEY ("shipment_id") REFERENCES "public"."shipments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "shipment_events_once_uq" ON "shipment_events" USING btree ("shipment_id","raw_code","at");--> statement-breakpoint
CREATE INDEX "shipment_events_shipment_idx" ON "shipment_events" USING btree ("shipment_id","at");--> statement-breakpoint
CREATE UNIQUE INDEX "shipments_out_trade_no_uq" ON "shipments" USING btree ("out_trade_no");