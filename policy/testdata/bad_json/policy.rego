package tollgate

decision := {"allow": data.limits.open}
