CREATE TABLE "debit_notes" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "debit_notes_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
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
	CONSTRAINT "debit_notes_amount_pos" CHECK ("debit_notes"."amount" > 0),
	CONSTRAINT "debit_notes_vat_nonneg" CHECK ("debit_notes"."vat" >= 0)
);
--> statement-breakpoint
ALTER TABLE "debit_notes" ADD CONSTRAINT "debit_notes_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "debit_notes" ADD CONSTRAINT "debit_notes_invoice_id_invoices_id_fk" FOREIGN KEY ("invoice_id") REFERENCES "public"."invoices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "debit_notes_number_key" ON "debit_notes" USING btree ("number");--> statement-breakpoint
CREATE UNIQUE INDEX "debit_notes_series_seq_key" ON "debit_notes" USING btree ("series","seq");--> statement-breakpoint
CREATE INDEX "debit_notes_order_idx" ON "debit_notes" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "debit_notes_issued_idx" ON "debit_notes" USING btree ("issued_at");