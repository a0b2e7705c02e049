-- Reporting cycles (issue 17, item 6): one recorded submission may cover several periodic
-- reports ("combined 5th–7th": number to number_to; 0 = the one report `number`), a due
-- date may be the one a committee set in its concluding observations (due_set_in names
-- them; it wins over any computed date), and a cycle may follow the simplified reporting
-- procedure (loipr: offered, accepted, declined, list_transmitted; empty = standard).
ALTER TABLE treaty_reports ADD COLUMN number_to INTEGER NOT NULL DEFAULT 0;
ALTER TABLE treaty_reports ADD COLUMN due_set_in TEXT NOT NULL DEFAULT '';
ALTER TABLE treaty_reports ADD COLUMN loipr TEXT NOT NULL DEFAULT '';
