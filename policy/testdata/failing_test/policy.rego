package tollgate

decision := {"allow": input.request.max_tokens < 1000}
