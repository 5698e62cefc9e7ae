-- The date a source's data are of (a list's update, the state of a geography), as the source gives it; null when it
-- gives none. GET /v1/status reads it for the sources of the territory lists and perimeters.
alter table sources add column vintage date;
