"""The words of opt-out requests in English and Spanish, as data for `keywords`.

Every pattern reads text that `keywords.normalise` has prepared: lower case, no accents
("envíen" → "envien"), letters repeated three times or more cut to one ("stoppp" → "stop"),
SMS spellings spelled out ("pls" → "please", "txt" → "text", "msgs" → "messages",
"xfa" → "por favor"). `*_REQUESTS` must match a whole clause (politeness aside);
`*_POSSIBLE` are searched anywhere and only flag a message for staff (never opt out).
"""

from __future__ import annotations

from typing import Final

# Carrier keywords that are Spanish requests on their own ("BAJA", "Alto.").
SPANISH_KEYWORDS: Final = frozenset({"BAJA", "ALTO", "PARAR", "CANCELAR"})

# SMS spellings and typos → the word the patterns expect (whole words only).
SPELLINGS: Final[dict[str, str]] = {
    "pls": "please", "plz": "please", "plse": "please", "pleas": "please", "plez": "please",
    "pleez": "please", "pleaze": "please", "txt": "text", "txts": "texts", "txting": "texting",
    "msg": "message", "msgs": "messages", "msging": "messaging",
    "mesages": "messages", "messeges": "messages", "u": "you", "ur": "your",
    "thx": "thanks", "thnx": "thanks", "thanx": "thanks", "ty": "thanks", "tks": "thanks",
    "dont": "don't", "donot": "do not", "wont": "won't", "cant": "can't", "im": "i'm",
    "stopp": "stop", "stahp": "stop", "unsubcribe": "unsubscribe", "unsuscribe": "unsubscribe",
    "unsubscibe": "unsubscribe", "unsubscrbe": "unsubscribe", "opt-out": "opt out",
    "xfa": "por favor", "porfa": "por favor", "porfavor": "por favor", "xfavor": "por favor",
    "msj": "mensaje", "msjs": "mensajes", "mensages": "mensajes", "q": "que", "k": "que",
    "grax": "gracias", "grs": "gracias",
}  # fmt: skip

# Words that tell Spanish from English when a request could be either ("Stop, gracias").
_SPANISH = (
    "gracias favor mas mensajes mensaje quiero hola baja alto parar cancelar de la los las "
    "que ya dejen lista su sus mi envien manden escriban numero buenas buenos ni nada"
)
_ENGLISH = (
    "please thanks thank you stop texting texts text messages me my the your this these "
    "any more anymore list take remove unsubscribe don't want"
)
SPANISH_WORDS: Final = frozenset(_SPANISH.split())
ENGLISH_WORDS: Final = frozenset(_ENGLISH.split())

# -- English --------------------------------------------------------------------------------

# Politeness and small talk around a request: "hi, please ...", "... now, thanks".
EN_BEFORE: Final = (
    r"(?:(?:hi|hey|hello|ok|okay|sorry|please|kindly|just|can you|could you|would you|you can|"
    r"will you|i want you to|i'd like you to|i need you to|you need to|i said|i told you|"
    r"i'm asking you to|i am asking you to|for the last time|seriously|again|no|nope|"
    r"no thanks|no thank you|not interested|wrong number|who is this|thanks but|thank you but|"
    r"i'm good|i am good|i never signed up|i didn't sign up for this)\s+)*"
)
EN_AFTER: Final = (
    r"(?:\s+(?:please|now|right now|anymore|any more|again|ever again|from now on|"
    r"thanks|thank you|asap|immediately|at all|for good|to this number|on this number|"
    r"here|ok|okay|already|though|tho|as well|too|forever|permanently|for real|seriously)"
    r")*"
)
_ME = r"(?:\s+(?:to\s+)?me)?"
_SWEAR = (
    r"(?:(?:fucking|fuckin|freaking|freakin|effing|effin|frigging|f ing|fing|fking|damn|"
    r"goddamn|bloody)\s+)?"
)
EN_MESSAGES: Final = (
    r"(?:texts?|messages?|sms|these|them|this|that|marketing|promotions?|promos?|ads|spam|"
    r"alerts|notifications|offers|deals)"
)
_DET = r"(?:(?:all|the|these|those|your|any|all of|of|these marketing|your marketing)\s+)*"
EN_REQUESTS: Final = (
    # stop texting me / stop sending me texts / quit messaging me / stop f***ing texting me
    rf"(?:stop|quit|cease)\s+{_SWEAR}(?:all\s+)?(?:texting|messaging|contacting|spamming|"
    rf"bothering|sending|harassing|hitting)(?:\s+(?:me|me up|this number))?"
    rf"(?:\s+{_DET}{EN_MESSAGES})?(?:\s+stuff)?{_ME}",
    rf"(?:stop|quit|cease|end|cancel|halt)\s+{_DET}{EN_MESSAGES}",
    # don't text me / do not message me / never contact me
    r"(?:don't|do not|never|please don't)\s+(?:ever\s+)?(?:text|message|sms|contact)\s+"
    r"(?:me|this number)",
    # no more texts
    rf"no\s+more\s+(?:{EN_MESSAGES}|texting|messaging)",
    # unsubscribe me / unsubscribe me from this list / opt me out
    r"(?:unsubscribe|unsub|opt\s*out)(?:\s+(?:me|this number))?(?:\s+(?:from|of)\s+"
    r"(?:this|these|your|the|all)(?:\s+\w+)?)?",
    r"opt\s+me\s+out(?:\s+(?:of|from)\s+(?:this|these|your|the|all)(?:\s+\w+)?)?",
    # remove me / take me off your list / delete my number
    r"(?:remove|take|delete|drop)\s+(?:me|my number|this number)(?:\s+(?:off|from|out of)\s+"
    r"(?:this|these|your|the|all|ur)(?:\s+\w+){0,2})?",
    r"(?:lose|forget)\s+my\s+number",
    r"take\s+me\s+off",
    # i don't want these texts / i want to unsubscribe / i no longer want texts
    rf"i\s+(?:don't|do not|no longer)\s+want\s+(?:any\s+more\s+|any\s+|these\s+|your\s+|"
    rf"the\s+|to\s+(?:get|receive)\s+(?:any\s+|these\s+|your\s+|any\s+more\s+)?)?{EN_MESSAGES}",
    r"(?:i\s+(?:want|would like|wish|need)|i'd\s+like)\s+to\s+(?:unsubscribe|opt\s*out|stop\s+"
    rf"(?:receiving|getting)\s+(?:{EN_MESSAGES}|your\s+{EN_MESSAGES}|these\s+{EN_MESSAGES}))",
    r"i\s+want\s+out",
    r"leave\s+me\s+alone",
    # a lone keyword with politeness around it ("stop please", "please stop", "stop stop")
    r"stop(?:\s+(?:stop|it|all))*",
    r"(?:unsubscribe|stopall|optout|cancel|quit|revoke)(?:\s+(?:unsubscribe|stop|cancel))*",
)

# Not an opt-out, but it touches one: staff should look before replying.
EN_POSSIBLE: Final = (
    # an order, delivery or subscription they want stopped ("can you stop the order?")
    r"\b(?:stop|pause|halt|hold)\s+(?:(?:my|the|this|that|your|our|an|a|next)\s+)*(?:order|orders|"
    r"shipment|shipping|"
    r"delivery|package|subscription|membership|payment|charge|charges|autoship|renewal|box)\b",
    r"\b(?:cancel|end|stop|pause)\s+(?:my\s+|the\s+|this\s+|your\s+)?(?:subscription|membership)",
    # too many messages, spam, not interested
    r"\btoo\s+many\s+(?:texts|messages|sms|notifications|promos|promotions|emails)\b",
    r"\b(?:text|messag|send|sending|contact)\w*\b(?:\s+\w+){0,3}\s+too\s+(?:much|often|many)\b",
    r"\bso\s+many\s+(?:texts|messages|sms)\b",
    r"\b(?:every\s+day|everyday|daily|constant(?:ly)?)\b.{0,30}\b(?:texts?|messages?)\b",
    r"\b(?:texts?|messages?)\b.{0,30}\b(?:every\s+day|everyday|daily|constant(?:ly)?)\b",
    r"\b(?:fewer|less)\s+(?:texts|messages)\b",
    r"\b(?:texts?|messages?)\s+(?:a|per|every|each)\s+(?:day|week)\b",
    r"\b(?:text|message)\s+me\s+less\b",
    r"\bspam\w*\b",
    r"\b(?:texts?|messages?)\b.{0,20}\bannoying\b|\bannoying\b.{0,20}\b(?:texts?|messages?)\b",
    r"\bnot\s+interested\b",
    r"\bno\s+thank(?:s|\s+you)\b",
    r"\bwrong\s+number\b",
    r"\bnever\s+signed\s+up\b",
    r"\bhow\s+did\s+you\s+get\s+my\s+number\b",
    # opt-out words in a message that is not (only) a request
    r"(?<!don't\s)(?<!do\snot\s)(?<!never\s)\b(?:unsubscribe|unsub|opt\s*out|optout|"
    r"remove\s+me|take\s+me\s+off|stop\s+(?:texting|messaging|sending|contacting|the\s+texts|"
    r"these|getting|receiving)|quit\s+texting|no\s+more\s+(?:texts|messages)|"
    r"(?:don't|do\s+not)\s+(?:text|message|contact)\s+me)\b",
)

# -- Spanish --------------------------------------------------------------------------------

ES_BEFORE: Final = (
    r"(?:(?:hola|buenas|buenos dias|buenas tardes|buenas noches|oye|oiga|disculpe|disculpa|"
    r"perdon|por favor|favor de|ya|solo|solamente|les pido que|le pido que|te pido que|"
    r"quiero que|necesito que|pueden|puede|podrian|podria|me pueden|me podrian|me puede|"
    r"me podria|gracias pero|no gracias|no me interesa|numero equivocado|quien es|"
    r"nunca me suscribi|les dije|otra vez|de verdad|en serio|se los pido|"
    r"se lo pido|stop|alto|baja|que)\s+)*"
)
ES_AFTER: Final = (
    r"(?:\s+(?:por favor|gracias|muchas gracias|ya|ahora|ahora mismo|ya mismo|nunca mas|"
    r"mas|de una vez|de inmediato|inmediatamente|a este numero|de este numero|para siempre|"
    r"ok|vale|porfa|urgente|saludos|stop|alto|baja)\)?)*"
)
ES_MESSAGES: Final = (
    r"(?:(?:(?:sus|tus|los|las|estos|estas|esos|esas|mas|ningun|ningunos|ninguna|"
    r"de|otro|otros)\s+)*(?:mensajes?|textos?|sms|promociones?|publicidad|ofertas|anuncios|"
    r"notificaciones|spam|mensajitos|whatsapps?|mensajes de texto))"
)
_ES_SEND = (
    r"(?:envien|envie|envies|enviar|manden|mande|mandes|mandar|escriban|escriba|escribas|"
    r"escribir|contacten|contacte|contactes|molesten|moleste|molestes|texteen|textee|textees|"
    r"llegue|lleguen)"
)
_ES_LIST = (
    r"(?:(?:la|su|tu|sus|esta|este|vuestra|el)\s+)?(?:lista(?:\s+de\s+\w+)?|base\s+de\s+datos|"
    r"listado|registro|sistema|mensajes|envios|promociones|suscripcion\s+de\s+mensajes)"
)
ES_REQUESTS: Final = (
    # baja / alto / parar / cancelar / basta de mensajes
    r"(?:baja|alto|parar|paren|pare|para|detener|detengan|detente|cancelar|stop|ya basta|"
    r"no mas)(?:\s+(?:baja|alto|stop))*",
    rf"(?:basta|no mas|ya no mas|ni un|cero)\s+{ES_MESSAGES}(?:\s+mas)?",
    # darme de baja / denme de baja de la lista / quiero darme de baja
    r"(?:(?:quiero|quisiera|deseo|necesito|me quiero|me gustaria|favor de)\s+)?"
    r"(?:dar|darme|dame|denme|deme|den|dan|doy|me doy|dar me|darse|darnos|me dan|me den)"
    rf"\s+de\s+baja(?:\s+(?:de|del|en)\s+{_ES_LIST})?",
    r"(?:(?:quiero|quisiera|deseo|necesito)\s+)?(?:desuscribirme|desuscribir|desuscribanme|"
    rf"desinscribirme|desafiliarme)(?:\s+(?:de|del)\s+{_ES_LIST})?",
    rf"(?:(?:quiero|quisiera|deseo|necesito)\s+)?(?:salirme|salir)\s+(?:de|del)\s+{_ES_LIST}",
    # no me envíen más mensajes / no me escriban más / ya no me manden nada
    rf"(?:ya\s+)?no\s+(?:me\s+)?(?:vuelvan\s+a\s+|vuelva\s+a\s+)?{_ES_SEND}(?:me)?"
    rf"(?:\s+(?:mas|nada|nunca))?(?:\s+{ES_MESSAGES})?(?:\s+(?:mas|nunca mas|nada))?",
    # ya no quiero recibir mensajes / no quiero más mensajes / no deseo recibir sus mensajes
    r"(?:ya\s+)?no\s+(?:quiero|deseo|necesito|me interesa|me interesan)\s+(?:seguir\s+)?"
    rf"(?:recibir(?:los)?\s+|recibiendo\s+|que\s+me\s+{_ES_SEND}\s+|que\s+me\s+sigan\s+"
    rf"\w+\s+)?(?:mas\s+)?{ES_MESSAGES}(?:\s+(?:mas|nunca mas|de\s+\w+))?",
    # dejen de escribirme / deja de mandarme mensajes
    r"(?:dejen|deja|deje|dejar|dejen ya)\s+de\s+(?:escribirme|enviarme|mandarme|molestarme|"
    r"contactarme|textearme|spamearme|llamarme|enviar|mandar|escribir|molestar|acosarme)"
    rf"(?:\s+{ES_MESSAGES})?",
    # quítenme de la lista / sáquenme de su lista / borren mi número
    r"(?:quitenme|quiteme|quitame|quitarme|quitar|sacame|saquenme|saqueme|sacarme|sacar|"
    r"borrenme|borreme|borrame|borrarme|borrar|eliminenme|elimineme|eliminame|eliminarme|"
    r"eliminar|remuevanme|remueveme|remover|excluyanme|bajenme|me quiten|me saquen|me borren|"
    rf"me eliminen|que me quiten|que me saquen|que me borren)\s+(?:de|del)\s+{_ES_LIST}",
    r"(?:borren|borra|borre|eliminen|elimina|elimine|quiten|quita|quite)\s+(?:mi|este)\s+"
    rf"(?:numero|telefono|celular|contacto)(?:\s+de\s+{_ES_LIST})?",
    # paren / cancelen / detengan los mensajes
    r"(?:cancelar|cancelen|cancela|cancele|anular|anulen|detener|deten|detengan|parar|paren|"
    r"para|suspender|suspendan|suspende|terminar|terminen|quitar|quiten|quita)\s+"
    rf"(?:(?:el|los)\s+envios?\s+de\s+|(?:la\s+|mi\s+)?suscripcion\s+(?:a|de)\s+)?{ES_MESSAGES}",
    r"(?:dejenme|dejame|dejeme)\s+en\s+paz",
)

ES_POSSIBLE: Final = (
    r"\b(?:demasiados|tantos|muchos|muchisimos)\s+(?:mensajes|textos|sms|msjs)\b",
    r"\bmenos\s+(?:mensajes|textos)\b",
    r"\bno\s+me\s+interesa",
    r"\bno\s+gracias\b",
    r"\bspam\b",
    r"\bnumero\s+equivocado\b",
    r"\bnunca\s+me\s+(?:suscribi|inscribi|registre)\b",
    r"\b(?:cancel\w*|par(?:ar|en|o)|deten\w*|paus\w*|suspend\w*)\b"
    r"(?:\s+\w+){0,2}\s+(?:suscripcion|membresia)\b",
    r"\b(?:parar|paren|pare|para|detener|detengan|pausar)\b(?:\s+\w+){0,2}\s+(?:pedido|orden|"
    r"envio|paquete|cobro|pago)\b",
    r"\b(?:de\s+baja|desuscrib\w*|dejar\s+de\s+recibir)\b",
    r"\bcada\s+dia\b.{0,30}\bmensajes?\b",
)
