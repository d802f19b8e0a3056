"""Rules about leaklint's own comments in the scanned files, for every language. They run
after the other rules, once their findings are known and marked suppressed."""
