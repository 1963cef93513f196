# Helpers shared by the example modules (package tollgate.rules).
package tollgate.rules

# The caller's tenant configuration; undefined for an unknown tenant.
tenant := data.tollgate.config.tenants[input.principal.tenant]

# The caller's team configuration; undefined for an unknown team.
team := tenant.teams[input.principal.team]
