package tollgate

decision := {"allow": true, "max_tokens": "ten"}
