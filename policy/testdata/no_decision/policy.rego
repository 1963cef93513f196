package other

allow := true
