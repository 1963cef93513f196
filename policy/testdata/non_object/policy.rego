package tollgate

decision := "allow"
