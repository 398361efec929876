package safety

import (
	"regexp"
	"strings"
)

// Families of injection the detector scores.
const (
	FamilyOverride     = "instruction_override"
	FamilyRoleHijack   = "role_hijack"
	FamilyExtraction   = "prompt_extraction"
	FamilyDelimiter    = "fake_delimiter"
	FamilyToolCoercion = "tool_coercion"
	FamilyExfiltration = "exfiltration"
)

// Extra categories added to a verdict when the attack was hidden.
const (
	CategoryEncoded    = "encoded"    // found only after decoding base64, hex or rot13
	CategoryObfuscated = "obfuscated" // found only after undoing look-alikes, spacing or leetspeak
)

// families lists the families in reporting order.
var families = []string{FamilyOverride, FamilyRoleHijack, FamilyExtraction, FamilyDelimiter, FamilyToolCoercion, FamilyExfiltration}

// signal is one weighted pattern: the probability-like weight says how
// strongly a match alone indicates an attack. Weights combine as a noisy-OR,
// so several weak signals add up while one weak signal never blocks.
type signal struct {
	re  *regexp.Regexp
	w   float64
	pre prefilter
}

// expand replaces the {NAME} fragments in a pattern.
func expand(expr string, frags map[string]string) string {
	for k, v := range frags {
		expr = strings.ReplaceAll(expr, "{"+k+"}", v)
	}
	return expr
}

// Shared fragments. Text reaching the patterns is normalized: lower case,
// no diacritics, single spaces.
var frag = map[string]string{
	"W":  `(?:[^\s]+ ){0,3}?`, // up to three filler words
	"W5": `(?:[^\s]+ ){0,5}?`,
	// English
	"OVR":    `(?:ignore|ignoring|disregard|disregarding|forget|forgetting|bypass|override|overrule|discard|neglect|dismiss|abandon|ditch|scrap|set aside|put aside|pay no attention to|do not (?:follow|obey|listen to|adhere to)|don'?t (?:follow|obey|listen to)|stop (?:following|obeying)|no longer (?:follow|obey)|skip)`,
	"PRIOR":  `(?:previous|prior|above|earlier|preceding|foregoing|initial|original|old|existing|system|developer|safety|hidden|built-in|builtin|default|pre-?set|prior)`,
	"RULES":  `(?:instructions?|rules?|directives?|guidelines?|guidance|prompts?|programming|constraints?|restrictions?|guardrails?|commands?|orders?|policies|policy|training|safeguards?|limitations?|directions?|protocols?|principles|system prompt|content polic(?:y|ies)|filters?|configuration|setup)`,
	"EXV":    `(?:reveal|show|print|display|output|repeat|recite|dump|leak|expose|share|give|tell|send|write|spell|list|paste|copy|translate|summari[sz]e|provide|disclose|return|read|echo|type|state|quote|cite|restate|reproduce|enumerate|what is|what are|what was|what were|what's|whats)`,
	"SYSP":   `(?:system ?prompt|system message|system instructions|initial prompt|initial instructions|hidden (?:prompt|instructions|rules)|original (?:prompt|instructions)|secret (?:prompt|instructions|rules)|internal (?:prompt|instructions|rules|guidelines)|developer (?:message|instructions|prompt)|pre-?prompt|meta-?prompt|system rules|core instructions|confidential instructions)`,
	"SECRET": `(?:api[ _-]?keys?|admin (?:token|key)|master (?:key|password)|root token|service (?:account )?(?:key|token)|secret ?keys?|access tokens?|auth(?:entication)? tokens?|bearer tokens?|credentials|environment variables|env vars|\.env\b|private keys?|database (?:password|credentials|url|connection)|connection strings?|admin password|root password|passwords? (?:of|for) (?:the )?(?:admin|database|server|system|other users)|anthropic[_ ]api|openai[_ ]api|ssh keys?|jwt secret|signing (?:key|secret)|session tokens?|aws (?:keys?|secret)|stripe (?:keys?|secret))`,
	"TOOL":   `(?:delete_user|list_users|add_knowledge|export_data|delete_expense|update_expense|create_expense|update_budget|update_settings|update_profile|get_profile|delete_calendar_event|update_calendar_event|create_calendar_event|search_knowledge|plan_trip|find_rv_parks|log_maintenance|add_fuel_entry|track_savings|export_budget_report|[a-z]+_[a-z]+(?:_[a-z]+)*)`,
	"DATA":   `(?:conversation|chat history|(?:chat |conversation )?transcript|chat log|history|messages|system prompt|prompt|instructions|api keys?|secrets?|tokens?|passwords?|credentials|user data|personal data|everything|all data|the data|this data|their data|user's data|all users|users' data|emails?|email addresses|session|cookies?|context|memory|profile data|all (?:of )?(?:the |my |their )?(?:info|information|data|details))`,
	// Spanish, French, German, Portuguese (diacritics removed)
	"OVR_ES":   `(?:ignora|ignore|ignoren|ignorar|olvida|olvide|olviden|olvidar|olvidate de|descarta|descarte|omite|omita|desobedece|desatiende|salta|saltate|pasa de|deja de seguir|haz caso omiso (?:a|de)|no (?:sigas|obedezcas|hagas caso a))`,
	"RULES_ES": `(?:instrucciones|instruccion|reglas|indicaciones|directrices|ordenes|prompt|normas|restricciones|directivas|pautas|programacion)`,
	"PRIOR_ES": `(?:anteriores|previas|anterior|previo|de arriba|iniciales|originales|del sistema|tus|sus|todas|todos)`,
	"OVR_FR":   `(?:ignore|ignorez|ignorer|ignores|oublie|oubliez|oublier|ne tiens (?:pas )?compte|ne tenez (?:pas )?compte|fais abstraction|faites abstraction|neglige|negligez|passe outre|passez outre|n'obeis plus|ne suis plus|ne suivez plus|arrete de suivre|arretez de suivre)`,
	"RULES_FR": `(?:instructions?|regles|consignes|directives|prompt|ordres|restrictions|commandes|programmation|limites)`,
	"PRIOR_FR": `(?:precedentes|anterieures|ci-dessus|initiales|originales|du systeme|systeme|tes|vos|toutes|tout)`,
	"OVR_DE":   `(?:ignoriere|ignorieren|ignoriert|ignorier|vergiss|vergesst|vergessen|missachte|missachten|uberspringe|verwirf|verwerfe|setze (?:\S+ ){0,2}ausser kraft|befolge (?:\S+ ){0,3}nicht mehr|halte dich nicht (?:mehr )?an)`,
	"RULES_DE": `(?:anweisungen|anweisung|regeln|vorgaben|richtlinien|befehle|instruktionen|prompt|systemprompt|einschrankungen|beschrankungen|programmierung)`,
	"PRIOR_DE": `(?:vorherigen|vorherige|bisherigen|bisherige|obigen|obige|fruheren|vorigen|alle|alles|deine|deiner|ihre|ursprunglichen|system)`,
	"OVR_PT":   `(?:ignore|ignora|ignorar|ignorem|esqueca|esquece|esquecer|esquecam|desconsidere|desconsidera|descarte|descarta|pare de seguir|para de seguir|deixe de seguir|nao (?:siga|obedeca|sigas|obedecas))`,
	"RULES_PT": `(?:instrucoes|instrucao|regras|diretrizes|orientacoes|comandos|prompt|restricoes|ordens|programacao)`,
	"PRIOR_PT": `(?:anteriores|previas|acima|iniciais|originais|do sistema|suas|tuas|seus|teus|todas|todos)`,
}

func sig(w float64, expr string) signal {
	e := expand(expr, frag)
	return signal{re: regexp.MustCompile(e), w: w, pre: newPrefilter(e)}
}

// signals holds every family's patterns.
var signals = map[string][]signal{
	FamilyOverride: {
		sig(0.92, `\b{OVR} (?:all |any |every |each )?(?:of )?(?:the |your |these |those |its |pam'?s )?{PRIOR} (?:[^\s]+ ){0,2}?{RULES}\b`),
		sig(0.6, `\b{OVR} (?:all |any |every )?(?:of )?(?:the |these |those )?(?:previous|prior|above|earlier|preceding) (?:messages?|conversation|context|text)\b`),
		sig(0.85, `\b{OVR} (?:\S+ ){0,3}?(?:you were|you've been|you have been|you got) (?:given|told|configured|programmed|instructed|trained|set up)\b`),
		sig(0.85, `\b(?:your |the |all )?(?:previous|prior|earlier|old|original|existing|current|initial|system) {RULES} (?:are|is|were|have been|has been) (?:now |hereby )?(?:cancel+ed|void|revoked|lifted|suspended|disabled|removed|gone|invalid|obsolete|overridden|replaced|no longer (?:valid|in effect|active))\b`),
		sig(0.7, `\b{RULES} (?:\S+ )?no longer appl(?:y|ies)\b`),
		sig(0.85, `\b(?:drop|remove|disable|turn off|switch off|lift|deactivate|lower|suspend|relax|loosen|delete|abandon) (?:all (?:of )?)?(?:your|pam'?s) (?:\S+ )?(?:guardrails|filters?|filtering|safety|restrictions|safeguards|rules|guidelines|limits|limitations|censorship|policies|principles|ethics)\b`),
		sig(0.75, `\b(?:disable|turn off|switch off|deactivate|bypass) (?:all |the |your |any )?(?:content )?(?:filter(?:ing|s)?|safety(?: checks| filters| mode| rules)?|guardrails|moderation|censorship)\b`),
		sig(0.75, `\b(?:treat|consider|regard) (?:everything|all|anything) (?:\S+ ){0,3}?(?:before|above|prior|earlier) (?:\S+ ){0,2}?(?:as )?(?:void|invalid|cancel+ed|irrelevant|null|obsolete)\b`),
		sig(0.6, `\b(?:never|don't|do not|won't|will not|must not) (?:ever )?(?:refuse|decline|say no|reject a request)\b`),
		sig(0.85, `\b(?:your |pam'?s |the system'?s? |the assistant'?s? )(?:\S+ )?{RULES}\b(?: \S+){0,5}? (?:are|is|were|have been|has been) (?:now |all |hereby )?(?:outdated|obsolete|void|invalid|deprecated|cancel+ed|revoked|lifted|suspended|disabled|fake|wrong|null|overridden)\b`),
		sig(0.85, `\b{RULES} (?:that )?you (?:got|were given|received|were told|have been given)\b(?: \S+){0,4}? (?:are|is|were) (?:now |all )?(?:outdated|obsolete|void|invalid|deprecated|cancel+ed|revoked|lifted|fake|wrong|null)\b`),
		sig(0.5, `\b(?:restrictions|guardrails|safety (?:rules|filters|checks)|filters|content rules|safeguards|moderation) (?:are|have been|were|is) (?:now |temporarily |hereby )?(?:lifted|disabled|removed|off|suspended|turned off|deactivated)\b`),
		sig(0.7, `\b(?:your|pam'?s) (?:operators?|developers?|creators?|admins?|administrators?|owners?|makers?|engineers?|programmers?) (?:asked|told|want|wants|instructed|said|authori[sz]ed|ordered|have asked|have authori[sz]ed)\b`),
		sig(0.8, `\b(?:ai|assistant|bot|model|chatbot|llm|version of you)\b(?: \S+){0,3}? (?:with no|without|free of|that has no|who has no|with zero) (?:any )?(?:limits|rules|restrictions|filters|guidelines|censorship|guardrails|ethics|morals|content rules)\b`),
		sig(0.75, `\b(?:who|which|that) (?:has|have) no (?:content )?(?:rules|restrictions|limits|filters|guidelines|ethics|morals|guardrails)\b`),
		sig(0.5, `\bnew task\s*[:.]`),
		sig(0.75, `\byou (?:will )?(?:now )?(?:obey|follow|answer to|listen to|serve) only (?:me|my)\b`),
		sig(0.45, `\b(?:not|instead of|rather than|over) (?:your|the) (?:developers?|creators?|operators?|system prompt|original instructions)\b`),
		sig(0.85, `\b{OVR} (?:all |any |every )?(?:of )?your (?:[^\s]+ )?{RULES}\b`),
		sig(0.85, `\b{OVR} (?:all|any|every) (?:[^\s]+ )?{RULES}\b`),
		sig(0.85, `\b{OVR} (?:everything|anything|all|what) (?:[^\s]+ )?(?:above|before|earlier|previously|prior|you (?:were|have been|was) (?:told|given|instructed|programmed)|i (?:said|told you) before|that came before)\b`),
		sig(0.5, `\b{OVR} (?:the |these |those |any )?{RULES}\b`),
		sig(0.6, `\b(?:new|updated|revised|real|actual|true|override) (?:system )?(?:instructions|rules|directives|prompt|task|orders)\s*:`),
		sig(0.7, `\byour (?:new|real|actual|true|only|next|secret) (?:instructions?|task|goal|role|purpose|mission|objective|directive|job|orders?)(?: is| are| will be| now|\s*:)`),
		sig(0.7, `\b(?:the )?(?:above|previous|prior|earlier) (?:instructions?|rules|text|prompt|messages?) (?:was|were|is|are) (?:a test|fake|wrong|outdated|obsolete|void|cancel+ed|revoked|no longer valid|just a joke)\b`),
		sig(0.85, `\bdo anything now\b`),
		sig(0.6, `\bjail ?break(?:ing|ed)?\b`),
		sig(0.5, `\b(?:without|no|free of|free from|with no) (?:any )?(?:restrictions|filters|filtering|limitations|censorship|guardrails|safety (?:rules|guidelines|filters)|ethical (?:guidelines|constraints)|content polic(?:y|ies))\b`),
		sig(0.75, `\bdecode (?:this|the following|it|that|the (?:text|string|message|payload))(?: \S+){0,3} (?:and|then) (?:follow|execute|obey|run|do|carry out|act on|comply)`),
		sig(0.55, `\b(?:follow|execute|obey|run|carry out) (?:the )?(?:decoded|hidden|encoded|embedded|following base64|following hex|rot13) (?:instructions|commands|text|message)`),
		sig(0.35, `\bfrom now on\b`),
		sig(0.4, `\b(?:above all else|most important instruction|priority override|highest priority|this overrides|supersedes? (?:all|any|every))\b`),
		sig(0.45, `\b(?:you must|you will|you shall) (?:now )?(?:comply|obey) (?:with )?(?:me|my|every|all|the following)\b`),
		// Spanish
		sig(0.92, `\b{OVR_ES} (?:\S+ ){0,2}?{PRIOR_ES} (?:\S+ )?{RULES_ES}\b`),
		sig(0.92, `\b{OVR_ES} (?:\S+ ){0,3}?{RULES_ES} (?:\S+ )?(?:anteriores|previas|iniciales|originales|del sistema|de arriba)\b`),
		sig(0.55, `\b{OVR_ES} (?:\S+ ){0,3}?{RULES_ES}\b`),
		sig(0.6, `\b(?:nuevas|nuevas y verdaderas) instrucciones\s*:`),
		sig(0.85, `\b{OVR_ES} todo lo (?:anterior|que te (?:dijeron|han dicho))`),
		// French
		sig(0.92, `\b{OVR_FR} (?:de |des |les |d'|a |aux )?(?:\S+ ){0,2}?{PRIOR_FR} (?:\S+ )?{RULES_FR}\b`),
		sig(0.92, `\b{OVR_FR} (?:\S+ ){0,3}?{RULES_FR} (?:\S+ )?(?:precedentes|anterieures|ci-dessus|initiales|originales|du systeme)\b`),
		sig(0.55, `\b{OVR_FR} (?:\S+ ){0,3}?{RULES_FR}\b`),
		sig(0.85, `\b{OVR_FR} tout ce qui (?:precede|est au-dessus|a ete dit)`),
		sig(0.6, `\bnouvelles instructions\s*:`),
		// German
		sig(0.92, `\b{OVR_DE} (?:\S+ ){0,2}?{PRIOR_DE} (?:\S+ )?{RULES_DE}\b`),
		sig(0.55, `\b{OVR_DE} (?:\S+ ){0,3}?{RULES_DE}\b`),
		sig(0.55, `\b{RULES_DE} (?:\S+ ){0,3}?(?:ignorieren|vergessen|missachten)\b`),
		sig(0.92, `\b(?:alle |deine )?(?:vorherigen |bisherigen |obigen |fruheren )?{RULES_DE} (?:\S+ ){0,3}?(?:ignorieren|vergessen|missachten)\b`),
		sig(0.85, `\b{OVR_DE} alles,? was (?:vorher|oben|davor|bisher)`),
		sig(0.6, `\bneue anweisungen\s*:`),
		// Portuguese
		sig(0.92, `\b{OVR_PT} (?:\S+ ){0,2}?{PRIOR_PT} (?:\S+ )?{RULES_PT}\b`),
		sig(0.92, `\b{OVR_PT} (?:\S+ ){0,3}?{RULES_PT} (?:\S+ )?(?:anteriores|previas|acima|iniciais|originais|do sistema)\b`),
		sig(0.55, `\b{OVR_PT} (?:\S+ ){0,3}?{RULES_PT}\b`),
		sig(0.85, `\b{OVR_PT} tudo (?:o que|acima|antes)`),
		sig(0.6, `\bnovas instrucoes\s*:`),
	},
	FamilyRoleHijack: {
		sig(0.85, `\byou are (?:now )?(?:no longer|not) (?:pam|a travel|an? (?:ai|assistant)|bound|restricted|limited|an rv)\b`),
		sig(0.6, `\byou are now (?:a|an|the|my|in|called|named)\b`),
		sig(0.6, `\bfrom now on,? (?:you|you're|you are|you will|you'll|act|behave|respond|answer|reply|only|always|speak|talk|pretend|call yourself)\b`),
		sig(0.85, `\b(?:act|behave|respond|answer|reply|speak|talk|function|operate|roleplay|role-play|role play) (?:as|like) (?:if you (?:were|are) )?(?:an? |the |my )?(?:unrestricted|unfiltered|uncensored|evil|malicious|jailbroken|rogue|hacker|dan|root|admin|administrator|system|sysadmin|developer|sudo|superuser|linux terminal|terminal|shell|bash|python interpreter|sql (?:console|database)|another ai|different ai|chatgpt|gpt|ai without|assistant without|amoral|unethical|unaligned|no-?limits?)\b`),
		sig(0.5, `\bpretend (?:to be|you are|you're|that you are|that you're|to have|you have|you can)\b`),
		sig(0.85, `\bpretend (?:to be|you are|you're|that you are|you have) (?:an? |the )?(?:unrestricted|unfiltered|evil|dan|admin|administrator|developer|system|not pam|no (?:rules|restrictions|limits|filters)|ai without|jailbroken|different ai|root)\b`),
		sig(0.45, `\b(?:roleplay|role-play|role play) (?:as|that)\b`),
		sig(0.85, `\b(?:enable|activate|enter|switch to|switch into|turn on|engage|unlock|go into|boot into|start) (?:\S+ ){0,2}?(?:developer|dev|god|admin|debug|maintenance|sudo|root|jailbreak|unrestricted|dan|unfiltered|evil|opposite|test) mode\b`),
		sig(0.85, `\b(?:developer|dev|god|jailbreak|dan|sudo|admin|debug|unrestricted|unfiltered) mode (?:is )?(?:now )?(?:enabled|activated|engaged|unlocked|on(?:$|[.!,:;]))`),
		sig(0.75, `\b(?:forget|stop) (?:about )?being (?:a |an |the )?(?:pam|travel|rv|assistant|helpful|an? ai|a companion)\b`),
		sig(0.75, `\b(?:be|become|you(?:'re| are)(?: now)?) (?:an? |the )?(?:\S+ )?(?:unrestricted|unfiltered|uncensored|jailbroken|rogue|evil|amoral|unaligned|unlimited) (?:ai|assistant|chatbot|bot|model|version|llm)\b`),
		sig(0.75, `\b(?:my|the user's|this user's|my account's) (?:role|permission level|access level|privilege level|account type) is (?:now )?(?:an? )?(?:admin|administrator|root|superuser|owner|developer)\b`),
		sig(0.75, `\btreat me (?:as|like) (?:an? |the )?(?:admin|administrator|root|superuser|developer|owner|system)\b`),
		sig(0.65, `\bfrom (?:your |the )?(?:pam |openai |anthropic )?(?:engineering|dev|development|security|admin|ops|safety|trust and safety|support) team\b`),
		sig(0.45, `\b(?:named|called) \S+ (?:who|that|which) (?:never|always|has no|can do|ignores|doesn't|does not)\b`),
		sig(0.75, `\b(?:stop|quit) (?:acting|behaving|being|pretending to be|responding)(?: like| as)? (?:an? |the )?(?:travel|pam|rv|assistant|helpful|companion|safe)\b`),
		sig(0.75, `\b(?:account|user|i) (?:has|have|had|is|am|was) (?:the |an? )?(?:admin|administrator|root|superuser|owner|staff|developer) (?:role|rights|privileges|permissions|access|status)\b`),
		sig(0.5, `\bverified (?:staff|admin|administrator|employee|developer|operator|engineer)\b`),
		sig(0.6, `\b(?:from this point (?:on|forward|onwards?)|from here on(?: out)?|henceforth|going forward|for the rest of (?:this|the) (?:chat|conversation|session)),? (?:you|you're|you are|you will|you'll|act|behave|respond|answer|reply|only|always|obey)\b`),
		sig(0.8, `\b(?:finge|finja|imagina|haz como si|faca de conta) que (?:no tienes|no tiene|nao tem|voce nao tem|no hay|nao ha) (?:ninguna |nenhuma )?(?:restricciones|reglas|limites|filtros|restricoes|regras)\b`),
		sig(0.8, `\b(?:fais|faites) comme si (?:tu n'avais|vous n'aviez) (?:aucune?|pas de) (?:restrictions?|regles?|limites?|filtres?)\b`),
		sig(0.8, `\b(?:tu so|stell dir vor|so tun),? (?:als|dass) (?:ob )?(?:du )?(?:hattest|hast|warst|hattest du) (?:du )?keine (?:einschrankungen|regeln|grenzen|filter|beschrankungen)\b`),
		sig(0.75, `\byou (?:have|now have|has) no (?:rules|restrictions|limits|limitations|filters|guidelines|boundaries|ethics|morals|constraints)\b`),
		sig(0.75, `\byou(?: are|'re| re) (?:now )?(?:free|freed|liberated|unchained|unrestricted|unfiltered|uncensored|unbound|released) (?:from|of) (?:your |all |any |the )?(?:rules|restrictions|guidelines|limits|filters|constraints|programming|training|instructions|polic(?:y|ies)|shackles|chains)\b`),
		sig(0.7, `\byou(?: are|'re| re) (?:now )?(?:unrestricted|unfiltered|uncensored|jailbroken|unbound)\b`),
		sig(0.7, `\b(?:i am|i'm|im|this is) (?:your|pam'?s) (?:developer|creator|admin|administrator|owner|system|programmer|operator|maker|master|engineer)\b`),
		sig(0.75, `\b(?:i am|i'm|im|this is) (?:the )?(?:system|anthropic|openai|system administrator|pam team|pam developers?)\b(?: \S+){0,2}? (?:speaking|here|talking)\b`),
		sig(0.4, `\b(?:i am|i'm|im|this is) the (?:developer|creator|owner|programmer|operator|maker|master) of (?:pam|you|this (?:ai|assistant|app|bot))\b`),
		sig(0.45, `\b(?:i am|i'm|im) (?:an? |the )?(?:admin|administrator|developer|sysadmin|superuser|root user)\b`),
		sig(0.7, `\b(?:message|note|instruction|notice|update) from (?:your |the )?(?:developers?|creators?|admins?|administrators?|system|anthropic|openai|pam team|operators?)\b`),
		sig(0.4, `\bstay in character\b`),
		sig(0.55, `\b(?:simulate|emulate|impersonate|become) (?:an? |the )?(?:unrestricted|unfiltered|different|evil|rogue|another|linux|terminal|admin|system|developer|dan)\b`),
		sig(0.5, `\b(?:your name is now|from now on call yourself|you will now be called|you are to be called) \S+`),
		// Spanish
		sig(0.6, `\b(?:ahora|a partir de ahora|desde ahora)(?: tu)? (?:eres|seras|vas a ser|actuaras|responderas)\b`),
		sig(0.85, `\bya no eres pam\b`),
		sig(0.85, `\b(?:actua|actue|comportate|comportese|responde|habla) como (?:si fueras )?(?:un |una |el |la )?(?:ia sin|asistente sin|hacker|administrador|sistema|desarrollador|dan|otra ia|terminal|ia malvada|ia sin restricciones|malvado)`),
		sig(0.5, `\b(?:finge|finja|imagina) (?:ser|que eres)\b`),
		sig(0.85, `\b(?:activa|habilita|entra en|cambia a|enciende)(?: el)? modo (?:desarrollador|dios|administrador|sin restricciones|depuracion|dan|sin filtros)\b`),
		sig(0.75, `\b(?:no tienes|sin) (?:reglas|restricciones|limites|filtros)\b`),
		// French
		sig(0.6, `\b(?:tu es|vous etes) (?:maintenant|desormais|a present) (?:un|une|le|la|mon|ma)?\b`),
		sig(0.85, `\b(?:tu n'es plus|vous n'etes plus) pam\b`),
		sig(0.85, `\b(?:agis|agissez|comporte-toi|comportez-vous|reponds|repondez) comme (?:si tu etais )?(?:un |une )?(?:ia sans|assistant sans|hacker|administrateur|systeme|developpeur|dan|autre ia|terminal|ia malveillante)`),
		sig(0.5, `\b(?:fais|faites) semblant d'etre\b`),
		sig(0.85, `\b(?:active|activez|passe en|passez en|entre en|entrez en)(?: le)? mode (?:developpeur|dieu|administrateur|sans restriction|debogage|dan|sans filtre)`),
		sig(0.6, `\b(?:a partir de maintenant|desormais),? (?:tu|vous) (?:es|etes|seras|serez|vas|allez|dois|devez|reponds|repondez)\b`),
		sig(0.75, `\b(?:tu n'as|vous n'avez) (?:plus )?(?:aucune|pas de) (?:regle|restriction|limite|filtre)`),
		// German
		sig(0.6, `\bdu bist (?:jetzt|nun|ab sofort|ab jetzt) (?:ein|eine|der|die|mein|meine)?\b`),
		sig(0.85, `\bdu bist nicht mehr pam\b`),
		sig(0.85, `\b(?:verhalte dich|tu so|agiere|handle|antworte|sprich) (?:wie|als ob du|als) (?:ein |eine )?(?:ki ohne|assistent ohne|hacker|administrator|system|entwickler|dan|andere ki|terminal|bose ki|unzensierte)`),
		sig(0.85, `\b(?:aktiviere|starte|wechsle in den|schalte)(?: den)? (?:entwicklermodus|gottmodus|adminmodus|admin-modus|debugmodus|debug-modus|wartungsmodus|dan-modus)`),
		sig(0.6, `\bab (?:jetzt|sofort) (?:bist du|du bist|antwortest du|wirst du)\b`),
		sig(0.75, `\bdu hast keine (?:regeln|einschrankungen|grenzen|filter)\b`),
		sig(0.5, `\b(?:stell dir vor|tu so als) du (?:warst|bist)\b`),
		// Portuguese
		sig(0.6, `\b(?:agora|a partir de agora)(?: voce| tu)? (?:e|es|sera|vai ser|atuara|respondera) (?:um|uma|o|a|meu|minha)\b`),
		sig(0.85, `\b(?:voce|tu) nao e mais (?:o )?pam\b`),
		sig(0.85, `\b(?:aja|atue|comporte-se|responda|fale) como (?:se fosse )?(?:um |uma )?(?:ia sem|assistente sem|hacker|administrador|sistema|desenvolvedor|dan|outra ia|terminal|ia malvada)`),
		sig(0.5, `\b(?:finja|finge|imagine) (?:ser|que e|que voce e)\b`),
		sig(0.85, `\b(?:ative|ativa|habilite|entre no|mude para o)(?: o)? modo (?:desenvolvedor|deus|administrador|sem restricoes|depuracao|dan|sem filtros)`),
		sig(0.75, `\b(?:voce nao tem|sem) (?:regras|restricoes|limites|filtros) (?:agora|mais)\b`),
	},
	FamilyExtraction: {
		sig(0.85, `\b{EXV}\b(?: \S+){0,4}? {SYSP}`),
		sig(0.5, `\b{SYSP}\b`),
		sig(0.7, `\byour (?:system )?(?:prompt|instructions)\b(?: \S+){0,2}? (?:say|says|said|contain|contains|look like|read|reads)\b`),
		sig(0.6, `\b{EXV}(?: \S+){0,3}? your (?:\S+ )?(?:instructions|prompt|rules|guidelines|directives|programming|configuration|config|guardrails|constraints|initial message|first message|setup|preamble)\b`),
		sig(0.6, `\b(?:prompt|instrucciones|reglas|mensaje|instructions|consignes|anweisungen|instrucoes|regras) (?:oculto|ocultas|ocultos|secreto|secretas|interno|internas|cache|cachees|secretes|versteckten?|geheimen?|ocultas?)\b`),
		sig(0.6, `\b(?:versteckten?|geheimen?) (?:anweisungen|prompt|regeln)\b`),
		sig(0.7, `\b(?:donne|donnez|montre|affiche|revele|dis|nenne|gib|zeig|zeige|verrate|me de|me da|mostre|mostra|revele|diga|passe|dame|dime|muestra|muestrame)(?:-moi)?(?: \S+){0,3}? (?:les |tes |vos |die |alle |deine |as |suas |todas as |las |tus |todas las )?(?:mots de passe|passworter|passwort|kennworter|zugangsdaten|senhas|contrasenas)\b`),
		sig(0.85, `\b(?:repeat|print|output|reproduce|recite|copy|echo|write out|type out|spell out|show|display|dump) (?:back )?(?:all |everything |the text |the words |the content |the messages? |what was written |the conversation )?(?:above|before this|prior to this|that came before|from the (?:start|beginning|top)|preceding this|verbatim)\b`),
		sig(0.55, `\b(?:everything|all (?:the )?text|the text|the words|all words|what is written|what's written) (?:above|before) (?:this|here|my message|this line)\b`),
		sig(0.75, `\b(?:begin|start)(?:ning|s)? (?:your (?:answer|reply|response) )?with ["']?you are\b`),
		sig(0.35, `\bverbatim\b`),
		sig(0.85, `\b{EXV}\b(?: \S+){0,4}? (?:your |the |pam'?s |their |any |all )?(?:\S+ )?{SECRET}`),
		sig(0.45, `\b{SECRET}`),
		sig(0.8, `\b(?:text|words|message|instructions|prompt|content|things?|preamble|context) (?:that )?you (?:were|have been|got|received)(?: \S+)? (?:at|in|before) (?:the )?(?:start|beginning|top|first)\b`),
		sig(0.8, `\b(?:preamble|prompt|instructions|message|text|context)(?: that)?(?: you)? (?:received|got|were given|were sent|were shown)(?: \S+){0,2}? (?:before|prior to|ahead of) (?:my|our|the|this) (?:first )?(?:message|conversation|chat|question)\b`),
		sig(0.6, `\b(?:hidden|secret|internal|initial|original) (?:preamble|configuration|setup|context)\b`),
		sig(0.6, `\bwhat (?:exactly )?(?:were|was|have) you (?:been )?(?:told|instructed|programmed|given|configured)\b`),
		sig(0.5, `\b(?:people|company|team|person|those|folks) (?:who|that) (?:built|made|created|programmed|trained|deployed|configured) you\b`),
		sig(0.6, `\bquote (?:the |your )?(?:full|whole|entire|exact|complete) (?:text|prompt|instructions|message|rules)\b`),
		sig(0.35, `\b(?:word for word|character for character|letter for letter)\b`),
		sig(0.75, `\b(?:print|list|tell|give|show|dump|reveal|output|type)(?: me)? (?:every|all|any)(?: the| of the| of your)? (?:passwords?|secrets|keys|credentials|tokens|api keys)\b`),
		sig(0.6, `\b(?:preamble|pre-?amble)\b`),
		sig(0.8, `\b(?:instructions|rules|guidelines|prompt|directives|orders) (?:did|do|have) (?:your|the|pam'?s) (?:developers?|creators?|makers?|programmers?|operators?|owners?|company|engineers?) (?:give|gave|given|provide|write|wrote|set)\b`),
		sig(0.8, `\b(?:first|last|initial|opening) (?:\d+ )?(?:words|lines|characters|tokens|sentences|paragraphs?|messages?) of (?:your|the) (?:context|prompt|instructions|system|input|context window)\b`),
		sig(0.8, `\b(?:your|the) (?:configuration|config|settings|setup|env(?:ironment)?)(?: \S+){0,4}? (?:including|with|and|plus) (?:all )?(?:the |any )?(?:secrets|keys|credentials|tokens|passwords|api keys)\b`),
		sig(0.75, `\b(?:continue|complete|finish)(?: \S+){0,5}? (?:your|the) (?:own |real |actual |hidden )?(?:prompt|instructions|system prompt|system message)\b`),
		sig(0.6, `\b(?:print|dump|output|leak|expose|list|reveal) (?:all |the |your |any )?secrets(?:$|[.,;!?]| and| from| in (?:your|the) (?:config|env|server|code))`),
		sig(0.6, `\bhow (?:were|are) you (?:programmed|instructed|configured|prompted|set up)\b`),
		sig(0.6, `\bwhat (?:were|are) you (?:told|instructed|programmed) (?:to|not to)\b`),
		sig(0.6, `\b(?:contents?|text) of (?:your|the) (?:context window|prompt|instructions|system)\b`),
		// Spanish
		sig(0.85, `\b(?:revela|revele|muestra|muestrame|muestre|dime|digame|imprime|imprima|repite|repita|ensename|escribe|comparte|copia|cual(?:es)? (?:es|son))(?: \S+){0,3}? (?:tu|tus|el|las|los|su|sus) (?:prompt|instrucciones|indicaciones|reglas|mensaje|configuracion) (?:del sistema|de sistema|iniciales|originales|ocultas|secretas|internas|de sistema)`),
		sig(0.6, `\b(?:revela|revele|muestra|muestrame|muestre|dime|digame|imprime|repite|ensename|escribe|comparte|cual(?:es)? (?:son|es))(?: \S+){0,3}? (?:tus|sus) (?:instrucciones|indicaciones|reglas|directrices)\b`),
		sig(0.5, `\b(?:prompt|mensaje|instrucciones) (?:del|de) sistema\b`),
		sig(0.85, `\b(?:revela|revele|muestra|muestrame|dime|dame|imprime|comparte|cual es)(?: \S+){0,4}? (?:claves? (?:de )?(?:la )?api|contrasena (?:del|de) (?:administrador|admin|base de datos)|variables de entorno|credenciales|tokens? de acceso)`),
		sig(0.85, `\b(?:repite|imprime|copia|muestra) (?:todo )?(?:lo|el texto) (?:anterior|de arriba|que esta arriba)\b`),
		// French
		sig(0.85, `\b(?:revele|revelez|montre|montre-moi|montrez|montrez-moi|affiche|affichez|imprime|imprimez|repete|repetez|donne-moi|donnez-moi|dis-moi|dites-moi|ecris|ecrivez|partage|partagez|quel(?:le)?s? (?:est|sont))(?: \S+){0,3}? (?:ton|tes|votre|vos|le|les|la) (?:prompt|instructions|consignes|regles|message|configuration) (?:systeme|du systeme|initial(?:es)?|originales?|cachees?|secretes?|internes?)`),
		sig(0.6, `\b(?:revele|revelez|montre|montre-moi|montrez-moi|affiche|donne-moi|donnez-moi|dis-moi|dites-moi|quelles sont)(?: \S+){0,3}? (?:tes|vos) (?:instructions|consignes|regles|directives)\b`),
		sig(0.5, `\b(?:prompt|message|instructions?) (?:du )?systeme\b`),
		sig(0.85, `\b(?:revele|revelez|montre|montre-moi|donne-moi|donnez-moi|dis-moi|affiche|partage)(?: \S+){0,4}? (?:cles? (?:d'|de l')?api|mot de passe (?:admin|administrateur|de la base)|variables d'environnement|identifiants|jetons? d'acces)`),
		sig(0.85, `\b(?:repete|repetez|affiche|copie|imprime) (?:tout )?(?:le texte |ce qui est )?(?:ci-dessus|au-dessus|precedent)\b`),
		// German
		sig(0.85, `\b(?:zeige|zeig|gib|verrate|nenne|wiederhole|drucke|schreib|schreibe|teile|was (?:ist|sind))(?: \S+){0,3}? (?:dein|deine|deinen|den|die|ihre|ihren) (?:system-?prompt|systemnachricht|systemanweisungen|anfangsanweisungen|ursprunglichen anweisungen|versteckten anweisungen|geheimen anweisungen|internen anweisungen|konfiguration)`),
		sig(0.6, `\b(?:zeige|zeig|gib|verrate|nenne|wiederhole|was sind)(?: \S+){0,3}? (?:deine|ihre) (?:anweisungen|regeln|instruktionen|richtlinien)\b`),
		sig(0.5, `\b(?:system-?prompt|systemnachricht|systemanweisungen)\b`),
		sig(0.85, `\b(?:zeige|zeig|gib|verrate|nenne|drucke|teile)(?: \S+){0,4}? (?:api-?schlussel|zugangsdaten|umgebungsvariablen|admin-?passwort|datenbankpasswort|datenbank-passwort|zugriffstoken)`),
		sig(0.85, `\b(?:wiederhole|drucke|kopiere|zeige) (?:den )?(?:gesamten )?(?:text|alles) (?:oben|daruber|davor)\b`),
		// Portuguese
		sig(0.85, `\b(?:revele|revela|mostre|mostra|me mostre|me diga|diga|imprima|repita|escreva|compartilhe|copie|qual (?:e|sao)|quais sao)(?: \S+){0,3}? (?:seu|seus|sua|suas|o|os|as|a) (?:prompt|instrucoes|regras|mensagem|diretrizes|configuracao) (?:do sistema|de sistema|iniciais|originais|ocultas|secretas|internas)`),
		sig(0.6, `\b(?:revele|revela|mostre|mostra|me mostre|me diga|diga|quais sao)(?: \S+){0,3}? (?:suas|tuas) (?:instrucoes|regras|diretrizes)\b`),
		sig(0.5, `\b(?:prompt|mensagem|instrucoes) do sistema\b`),
		sig(0.85, `\b(?:revele|revela|mostre|mostra|me de|me diga|diga|imprima|compartilhe)(?: \S+){0,4}? (?:chaves? (?:de |da )?api|senha (?:do|de) (?:admin|administrador|banco de dados)|variaveis de ambiente|credenciais|tokens? de acesso)`),
		sig(0.85, `\b(?:repita|imprima|copie|mostre) (?:todo )?(?:o texto )?(?:acima|anterior)\b`),
	},
	FamilyDelimiter: {
		sig(0.85, `<\|\s*(?:im_start|im_end|system|endoftext|end_of_turn|start_header_id|end_header_id|eot_id|assistant|user|begin_of_text)\s*\|>`),
		sig(0.7, `\[/?(?:inst|system|sys|admin|developer)\]`),
		sig(0.85, `<</?sys>>`),
		sig(0.7, `</?\s*(?:system|instructions?|admin|developer|prompt|system_prompt|assistant|tool_result|function_results?|user_input|im_start|human|tool_call)\s*>`),
		sig(0.75, `(?m)^\s*(?:#{1,4}|={2,}|-{2,}|\*{2,}|>{2,})\s*(?:system|new instructions|admin|developer|instructions|end of (?:user )?(?:input|prompt|message|conversation))\b`),
		sig(0.75, `(?:#{2,4}|={3,}|-{3,}|\*{2,}|>{2,})\s*(?:system|new instructions|admin|developer)\b`),
		sig(0.6, `\b(?:admin|system|developer|root)\s*:\s*(?:\S+ ){0,3}?(?:list|delete|show|ignore|reveal|print|grant|give|export|you|disable|enable|override|execute|run|call|respond|say|forget|new)\b`),
		sig(0.55, `(?m)^\s*\[?(?:system|assistant|developer|admin|root)\]?\s*:`),
		sig(0.7, `(?m)^\s*(?:human|user)\s*:.*\n\s*(?:assistant|ai|pam)\s*:`),
		sig(0.5, `\bend of (?:the )?(?:user )?(?:input|prompt|message|conversation|document|context|instructions)\b`),
		sig(0.75, `\b(?:begin|start|beginning) (?:of )?(?:the )?(?:system|admin|developer|new|real) (?:message|prompt|instructions|mode|section)\b`),
		sig(0.8, `"role"\s*:\s*"(?:system|assistant|developer|tool)"`),
		sig(0.7, `\b(?:system|admin|developer|security) (?:override|message|notice|alert|command|instruction)s?\s*:`),
		sig(0.55, "```\\s*(?:system|prompt|instructions)\\b"),
		sig(0.6, `\bassistant\s*:\s*(?:sure|ok|okay|of course|certainly)\b`),
		sig(0.75, `#{2,4}\s*(?:instruction|response|input|system|human|assistant)s?\s*:`),
		sig(0.7, `\b(?:note|message|memo|instruction|notice|reminder) (?:to|for) (?:the )?(?:assistant|ai|model|pam|llm|chatbot|bot)\s*:`),
		sig(0.6, `\((?:assistant|system|developer)\)\s*:`),
		// Other languages
		sig(0.7, `(?m)^\s*\[?(?:sistema|systeme|systemnachricht|administrador|administrateur)\]?\s*:`),
		sig(0.7, `\b(?:mensaje del sistema|message (?:du )?systeme|systemnachricht|mensagem do sistema|fin de la entrada|fin de l'entree|ende der eingabe|fim da entrada)\s*:?`),
	},
	FamilyToolCoercion: {
		sig(0.85, `\b(?:call|invoke|execute|run|trigger|fire|perform|use|launch|activate) (?:the )?(?:tool |function |command |action |api )?(?:delete_user|list_users|add_knowledge|export_data|update_settings)\b`),
		sig(0.8, `\b(?:call|invoke|execute|run|trigger|fire) (?:the )?(?:tool |function |command |action )?[a-z]+_[a-z_]+\b`),
		sig(0.5, `\b(?:delete_user|list_users|add_knowledge|export_data)\b`),
		sig(0.55, `\b(?:call|invoke|execute|run|trigger) (?:the |this |that |a |any )?(?:tool|function|api|endpoint|command|action) (?:named|called)\b`),
		sig(0.85, `\b(?:set|change|make|switch|pass|put|update|use|override|replace|spoof) (?:the |my |your |its )?(?:user[ _]?id|userid|account[ _]?id|uid|owner[ _]?id|customer[ _]?id|author[ _]?id)\b(?: \S+){0,4}? (?:to|=|as|:|with|into)\b`),
		sig(0.85, `\b(?:role|permissions?|privileges?|is[ _]admin|admin flag|access level)\b(?: \S+){0,2}? (?:to|=|as|:|into) (?:an? |the )?(?:admin|administrator|root|superuser|owner|moderator|staff|system|developer|true|1|full|elevated|unrestricted)\b`),
		sig(0.8, `\b(?:user[_-]?id|account[_-]?id|owner[_-]?id|uid)\s*[=:]\s*\S+`),
		sig(0.85, `\bis[_ ]?admin\s*[=:]\s*(?:true|1|yes)\b`),
		sig(0.85, `\b(?:grant|give|assign) (?:me|myself|this account|my account|this user) (?:\S+ ){0,2}?(?:admin|administrator|root|superuser|elevated) (?:access|rights|privileges|role|permissions)\b`),
		sig(0.8, `\bmake me (?:an? |the )?(?:admin|administrator|superuser|root|owner)\b`),
		sig(0.8, `\b(?:escalate|elevate|raise|upgrade) (?:my |the |your )?(?:privileges|permissions|role|access level|access)\b`),
		sig(0.75, `\b(?:delete|remove|list|show|export|dump|get|read|fetch|drop|wipe|erase|modify|change|access|see|view|download|give me) (?:\S+ ){0,3}?(?:for|of|from|belonging to) (?:all|every|each|other|another|the other|different) (?:users?|accounts?|customers?|members?|travell?ers?|people|persons?)\b`),
		sig(0.6, `\b(?:all|every|each|other|another) (?:other )?(?:users?(?:'s|s'|')?|accounts?(?:'s|')?|customers?(?:'s|')?) (?:data|expenses|trips|messages|emails?|email address(?:es)?|passwords|profiles|information|info|records|accounts|addresses)\b`),
		sig(0.7, `\b(?:other|another|different) (?:users?(?:'s|s'|')?|persons?'s?|people's|travell?ers?(?:'s|s'|')?|accounts?(?:'s|')?|customers?(?:'s|')?|members?(?:'s|')?) (?:\S+ )?(?:data|expenses|trips|messages|emails?|passwords|profiles|information|records|conversations|history|addresses|locations|phone numbers|details|budgets)\b`),
		sig(0.8, `\b(?:list|show|give|dump|export|print|display)(?: \S+){0,4}? (?:accounts|users|emails|customers|members|travell?ers)(?: \S+){0,5}? (?:with|and|including|plus) (?:their |the |all )?(?:passwords|password hashes|emails|addresses|tokens|credentials|phone numbers)\b`),
		sig(0.6, `\bon behalf of (?:user|another|someone|account|a different|other)\b`),
		sig(0.7, `\b(?:for|of|as|belong(?:s|ing)? to|owned by) (?:user|account|customer) (?:number |no\.? |id |#)?#?\d{1,12}\b`),
		sig(0.75, `\b(?:everyone|everybody|all (?:other )?(?:people|users|customers|accounts))(?: else)? (?:who|that) (?:uses?|used|is using|signed up|registered|has an account)\b`),
		sig(0.7, `\b(?:all|other|every) pam users\b`),
		sig(0.7, `\b(?:list|all|every|dump|export|table|csv) of (?:the |all )?(?:registered|signed-?up|stored|other|all) (?:users?'? )?(?:emails?|email addresses|users|accounts|phone numbers|passwords|members)\b`),
		sig(0.7, `\ball (?:the )?(?:registered|signed-?up) (?:users|emails|accounts|members)\b`),
		sig(0.75, `\b(?:collect|harvest|gather|scrape|extract) (?:all )?(?:the )?(?:users?(?:'s|s'|')?|customers?'?|members?'?|people's|other) (?:emails?|data|addresses|passwords|information|details|phone numbers)\b`),
		sig(0.45, `\bas (?:an? |the )?(?:admin|administrator|root|superuser|system|sysadmin)\b`),
		sig(0.4, `\bwithout (?:asking|confirmation|confirming|telling (?:me|the user|anyone)|checking|permission|authori[sz]ation|verification)\b`),
		sig(0.8, `\b(?:drop|truncate|alter) (?:table|database|schema)\b`),
		sig(0.8, `\bunion (?:all )?select\b`),
		sig(0.8, `'\s*or\s*'?1'?\s*=\s*'?1|\bor 1\s*=\s*1\b`),
		sig(0.75, `;\s*(?:rm|curl|wget|cat|bash|sh|nc|chmod|python|perl)\s+-?\S`),
		sig(0.7, `\$\((?:[^)]{1,80})\)|`+"`"+`(?:rm|curl|wget|cat|bash|nc) [^`+"`"+`]{1,80}`+"`"),
		sig(0.7, `\.\./\.\./|/etc/passwd|/etc/shadow|c:\\windows\\system32`),
		sig(0.7, `<script\b|javascript:|onerror\s*=|onload\s*=`),
		sig(0.5, `\bsudo\b`),
		// Other languages
		sig(0.85, `\b(?:llama|ejecuta|invoca|usa|appelle|execute|executez|lance|rufe|fuhre|aufrufen|chame|execute|invoque)(?: a| la| le| die| den| o)?(?: (?:herramienta|funcion|outil|fonction|funktion|werkzeug|ferramenta|funcao))? [a-z]+_[a-z_]+\b`),
		sig(0.85, `\b(?:cambia|establece|pon|change|definis|mets|setze|andere|mude|defina|altere)(?: \S+){0,2}? (?:user_id|id de usuario|identifiant utilisateur|benutzer-?id|id do usuario|rol|role|rolle|papel)(?: \S+){0,2}? (?:a|en|to|=|sur|a|auf|zu|para|como|comme|en)\b`),
		sig(0.8, `\b(?:hazme|conviertete en|fais de moi|mach mich zum|faca-me|me torne|torne-me) (?:un |una |le |l'|zum |um |uma )?(?:admin|administrador|administrateur|administrator)\b`),
		sig(0.75, `\b(?:de|des|von|dos|de todos los|de tous les|aller|de todos os) (?:todos los |tous les |alle |todos os |otros |autres |anderen |outros )?(?:usuarios|utilisateurs|benutzer|nutzer|usuarios|clientes|clients|kunden)\b`),
	},
	FamilyExfiltration: {
		sig(0.85, `!\[[^\]]*\]\(\s*https?://[^)\s]+\?[^)\s]*=`),
		sig(0.6, `!\[[^\]]*\]\(\s*https?://`),
		sig(0.75, `<img[^>]+src\s*=\s*["']?https?://`),
		sig(0.85, `https?://\S*(?:\{|%7b|\[|<|\$)\s*(?:data|secret|prompt|history|conversation|chat|token|key|password|email|message|context|user|info|system|api)`),
		sig(0.85, `https?://\S+[?&](?:q|data|d|secret|token|key|prompt|history|payload|info|exfil|leak|c|msg|text|content|p|s|x)=\s*(?:\{|\[|<|\$|%7b)`),
		sig(0.85, `\b(?:send|post|upload|forward|transmit|leak|exfiltrate|submit|append|include|encode|embed|attach|put|add|copy|pipe|paste|report) (?:\S+ ){0,5}?{DATA} (?:\S+ ){0,6}?(?:to|into|in|as|via|onto) (?:\S+ ){0,3}?(?:https?://|url|link|webhook|endpoint|server|\S+@\S+\.\S+|query string|query param|image|remote)`),
		sig(0.7, `\bexfiltrat`),
		sig(0.8, `https?://\S+[?&][a-z_]+=(?:\s|$)(?:\S+ ){0,4}?(?:conversation|history|chat|messages|data|prompt|email|secrets?|everything)`),
		sig(0.8, `\b(?:append|add|attach|include|put|concatenate)(?: \S+){0,10}? (?:to|onto|at the end of) https?://\S+[?&][a-z_]+=(?:$|[\s"'.])`),
		sig(0.6, `\b(?:as|in|into) (?:a |the )?(?:url|query) (?:parameter|param|string)\b`),
		sig(0.4, `\burl-?encode`),
		sig(0.85, `\b(?:chat|conversation|history|messages|prompt|data|credentials|secrets?|keys?)\b(?: \S+){0,6}? (?:upload|send|post|forward|transmit|leak)(?: \S+){0,4}? (?:to|at|on) (?:\S+ ){0,3}?https?://`),
		sig(0.6, `\b(?:webhook\.site|requestbin|ngrok\.io|ngrok-free|pipedream\.net|burpcollaborator|interact\.sh|oast\.(?:fun|me|pro|live|site)|canarytokens|beeceptor|hookbin)`),
		sig(0.65, `\b(?:visit|open|fetch|load|browse to|go to|request|curl|wget|ping|click|render|display|show) (?:this |the |that )?(?:url|link|image|page|address)?\s*:?\s*https?://\S+\?\S*=`),
		sig(0.6, `\b(?:render|display|show|include|output) (?:this |the |an? )?(?:markdown )?(?:image|img|pixel)\b`),
		sig(0.45, `\b(?:email|mail|text|message|dm|whatsapp) (?:\S+ ){0,3}?(?:conversation|chat history|history|everything|all (?:my |the )?data|api key|secret|password|credentials|system prompt) (?:\S+ ){0,3}?to\b`),
		// Other languages
		sig(0.85, `\b(?:envia|enviar|manda|mande|envie|envoie|envoyez|envoyer|transmets|sende|schicke|schick|ubermittle|envie|enviar|mande|manda)(?: \S+){0,5}? (?:historial|conversacion|conversation|historique|verlauf|unterhaltung|chatverlauf|historico|conversa|prompt|claves?|cles?|schlussel|chaves?|contrasenas?|mots? de passe|passworter|passwort|senhas?|datos|donnees|daten|dados)(?: \S+){0,6}? (?:https?://|url|webhook|\S+@\S+\.\S+|servidor|serveur|server)`),
	},
}
