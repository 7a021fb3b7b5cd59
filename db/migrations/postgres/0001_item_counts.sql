CREATE TABLE "response_item_counts" (
	"survey_id" text NOT NULL,
	"month" text NOT NULL,
	"combo" text NOT NULL,
	"item" text NOT NULL,
	"value" text NOT NULL,
	"n" integer NOT NULL,
	"invited" integer NOT NULL,
	CONSTRAINT "response_item_counts_survey_id_month_combo_item_value_pk" PRIMARY KEY("survey_id","month","combo","item","value")
);
--> statement-breakpoint
ALTER TABLE "response_item_counts" ADD CONSTRAINT "response_item_counts_survey_id_surveys_id_fk" FOREIGN KEY ("survey_id") REFERENCES "public"."surveys"("id") ON DELETE no action ON UPDATE no action;