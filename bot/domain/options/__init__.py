"""Options, then variation: when a brief asks for options (``offer``), what Claude is asked for
(``prompt``), how a person's choice is read (``choice``), and the Block Kit that shows options A,
B, C in the thread (``blocks``). Pure functions of data and a clock; no Slack, no model, no
database."""
