"""Death (R15.1): the school cancels the record with proof within 10 working days of learning of
it, the district approves; the record stays, marked 死亡, read-only."""
