package tollgate_test

import data.tollgate

test_small_allowed if tollgate.decision.allow with input as {"request": {"max_tokens": 10}}

test_large_allowed_wrongly if tollgate.decision.allow with input as {"request": {"max_tokens": 5000}}
