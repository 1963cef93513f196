package tollgate

decision := {"allow": true} if input.phase == "never"
