package tollgate

decision := {"allow": true} if {
	input.phase == "request"
	input.request.model ==
}
