"""Files people attach to a request or a reply in its thread: which ones Baton reads, which it
skips and why (``reading``), how the thread and the brief name them (``shown``), and how the ones
it reads reach Claude (``prompt``). Pure: bot/usecases/files.py fetches, checks access and stores
the decisions; this decides from data and builds the content blocks."""
