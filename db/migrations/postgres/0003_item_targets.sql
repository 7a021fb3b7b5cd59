CREATE TABLE "item_targets" (
	"id" text PRIMARY KEY NOT NULL,
	"scope" text NOT NULL,
	"item" text NOT NULL,
	"measure" text NOT NULL,
	"value" double precision NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "item_targets_scope_item_idx" ON "item_targets" USING btree ("scope","item");