-- The periods that are closed now, earliest first.
SELECT period FROM period_state WHERE action = 'close' ORDER BY period
