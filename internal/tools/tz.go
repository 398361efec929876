package tools

// Time zone data is embedded so that every IANA zone a user picks resolves
// even on hosts (minimal containers) without /usr/share/zoneinfo.
import _ "time/tzdata"
