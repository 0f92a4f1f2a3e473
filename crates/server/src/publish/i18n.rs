//! The message catalogue of the public pages: every label and sentence, and the words for the
//! vocabularies (problems, levels, incident states, incident fields), in English and German.
//! Pages ask [`t`] for a text by key and [`tf`] for one with `{placeholders}` filled in.
//!
//! The topology names services and components in English; [`NAMES_DE`] gives their German
//! names by id (a component or service without one keeps the topology's name). Länder keep
//! their German names in both languages, as the topology has them.
//!
//! The tests below fail when a key is missing in one language, when the two languages use
//! different placeholders for a key, or when a page asks for a key that does not exist.

use std::collections::HashMap;
use std::sync::OnceLock;

use radar_core::event::{ComponentStatus, IncidentState};
use radar_core::topology::{ComponentRef, Topology};
use radar_core::view::Level;
use radar_core::{Problem, ProviderId, ServiceId};

/// The languages of the pages.
pub const LANGS: [&str; 2] = ["en", "de"];

const EN: &[(&str, &str)] = &[
    ("layout.skip", "Skip to content"),
    ("layout.language", "Language"),
    ("layout.this-language", "English"),
    ("layout.all-providers", "All providers"),
    ("layout.subscribe", "Subscribe to updates"),
    ("layout.feed", "Atom feed"),
    ("layout.feed-title", "Outage Radar: all providers"),
    ("layout.api", "API"),
    ("layout.updated", "Updated {time}"),
    ("layout.reload", "Reload"),
    ("error.not-found", "Page not found"),
    ("error.not-found-detail", "There is no page at {path}. Check the address, or start from the list of providers."),
    ("error.no-provider", "No such provider"),
    ("error.no-provider-detail", "We do not follow a provider of that name. The list of providers shows all we follow."),
    ("error.no-incident", "No such incident"),
    ("error.no-incident-detail", "We know of no incident with that name. It may have been merged into another one; the provider's page lists current and recent incidents."),
    ("error.client", "The request could not be answered"),
    ("overview.title", "Is it down?"),
    ("overview.intro", "Live problem reports from users for {n} providers, and what the providers say."),
    ("overview.reports-24h", "{n} reports in the last 24 hours"),
    ("overview.reports-24h.one", "1 report in the last 24 hours"),
    ("headline.none", "No known problems right now."),
    ("headline.problems", "Users report problems."),
    ("headline.problems-since", "Users report problems {since}."),
    ("headline.problems-with", "Users report problems with {what}."),
    ("level.operational", "Working"),
    ("level.maintenance", "Maintenance"),
    ("level.degraded", "Degraded"),
    ("level.partial-outage", "Partial outage"),
    ("level.major-outage", "Major outage"),
    ("state.suspected", "Being checked"),
    ("state.confirmed", "Confirmed"),
    ("state.identified", "Cause found"),
    ("state.monitoring", "Fix being monitored"),
    ("state.resolved", "Resolved"),
    ("problem.no-signal", "No signal"),
    ("problem.no-internet", "No internet"),
    ("problem.slow-internet", "Slow internet"),
    ("problem.no-calls", "Cannot make calls"),
    ("problem.no-sms", "No text messages"),
    ("problem.total-outage", "Nothing works"),
    ("problem.login", "Cannot sign in"),
    ("problem.hotline", "Hotline unreachable"),
    ("problem.billing", "Bills and payments"),
    ("problem.other", "Something else"),
    ("field.title", "title"),
    ("field.services", "affected services"),
    ("field.components", "affected systems"),
    ("field.regions", "affected regions"),
    ("field.expected_end", "expected end"),
    ("field.maintenance", "maintenance window"),
    ("outage.detected-title", "Problems with {services}"),
    ("outage.all-services", "several services"),
    ("outage.everywhere", "all of Germany"),
    ("outage.scope", "Affects {services} in {regions}."),
    ("outage.expected-end", "expected end {time}"),
    ("outage.workaround", "Workaround: {text}"),
    ("outage.earlier-statements", "Earlier statements"),
    ("outage.details", "Details and related incidents"),
    ("provider.subscribe", "Subscribe"),
    ("provider.unavailable", "Some information cannot be shown right now ({what}); please try again in a minute."),
    ("provider.unavailable-counts", "report counts"),
    ("provider.unavailable-tally", "problems and regions"),
    ("provider.unavailable-outages", "outages"),
    ("provider.report-link", "Having trouble? Report a problem"),
    ("provider.current", "Current incidents"),
    ("provider.top-problems", "Most reported problems"),
    ("provider.no-reports", "No reports in the last 24 hours."),
    ("provider.problems-note", "Share of {n} users who reported a problem in the last 24 hours."),
    ("provider.where", "Where users report problems"),
    ("provider.services", "Status of services"),
    ("provider.service", "Service"),
    ("provider.status", "Status"),
    ("provider.component", "System"),
    ("provider.components", "Status of {n} systems ({bad} impaired)"),
    ("provider.recent", "Recent incidents"),
    ("provider.recent-none", "No incidents in the last 7 days."),
    ("provider.history-link", "History and availability over 90 days"),
    ("chart.title", "Reports in the last 24 hours"),
    ("chart.summary", "{total} reports in 24 hours; most at {time}: {peak} (typical then: {low} to {high})."),
    ("chart.summary-none", "No reports in the last 24 hours."),
    ("chart.legend-reports", "Users reporting per 15 minutes"),
    ("chart.legend-band", "Typical range (same time, last 7 days)"),
    ("chart.legend-typical", "Typical value"),
    ("chart.as-table", "Show the numbers as a table"),
    ("chart.table-caption", "Users reporting per 15 minutes, with the typical range"),
    ("chart.col-time", "From"),
    ("chart.col-reports", "Reports"),
    ("chart.col-typical", "Typical"),
    ("map.label", "Map of Germany: reports by Land in the last 24 hours; most from {top}"),
    ("map.none", "No reports by Land in the last 24 hours."),
    ("map.reports", "{n} reports"),
    ("map.reports.one", "1 report"),
    ("map.caption", "Reports by Land, last 24 hours"),
    ("map.land", "Land"),
    ("map.count", "Reports"),
    ("form.title", "Report a problem"),
    ("form.thanks", "Thank you: your report was received."),
    ("form.service", "Which service?"),
    ("form.service-unsure", "Not sure"),
    ("form.problem", "What is wrong?"),
    ("form.postcode", "Postcode"),
    ("form.postcode-hint", "Five digits, e.g. 80331. Or choose your Land below."),
    ("form.region", "Land (if you give no postcode)"),
    ("form.region-none", "Choose your Land"),
    ("form.send", "Send report"),
    ("form.error.postcode-syntax", "Enter a postcode of five digits, e.g. 80331."),
    ("form.error.postcode-unknown", "We do not know the postcode {value}. Check it, or leave it empty and choose your Land."),
    ("form.error.postcode-outside", "The postcode {value} is not in the Land you chose. Correct one of the two, or leave the Land empty."),
    ("form.error.place-missing", "Enter your postcode or choose your Land."),
    ("form.error.region-unknown", "Choose a Land from the list."),
    ("form.error.service-unknown", "Choose a service from the list, or “Not sure”."),
    ("form.error.problem-missing", "Choose what is wrong."),
    ("form.error.other", "Please check the {field}: {message}"),
    ("form.error.media-type", "The form must be sent as application/x-www-form-urlencoded."),
    ("form.error.malformed", "The form could not be read; please fill it in again."),
    ("form.error.rate-limited", "Too many reports came from your network just now; please try again in {seconds} seconds."),
    ("form.error.unavailable", "Your report could not be stored right now; please try again in a minute."),
    ("incident.status", "Current state"),
    ("incident.what", "What"),
    ("incident.problems", "users report: {problems}"),
    ("incident.where", "Where"),
    ("incident.since", "When"),
    ("incident.was", "{from} – {to} ({duration})"),
    ("incident.detected", "Detected"),
    ("incident.detected-at", "first reports {first}, detected {at}"),
    ("incident.timeline", "What happened"),
    ("incident.related", "Is this related to other problems?"),
    ("incident.related-none", "There are no other problems at the same time."),
    ("incident.relation-related", "This is probably connected to “{what}” at {provider}."),
    ("incident.relation-unrelated", "This is not connected to “{what}” at {provider}."),
    ("incident.relation-undetermined", "It is not clear yet whether this is connected to “{what}” at {provider}."),
    ("incident.evidence", "Why we think so"),
    ("incident.confidence", "Confidence: {pct} %"),
    ("incident.cause", "Likely cause"),
    ("incident.cause-sentence", "The most likely cause is a fault in: {component}."),
    ("incident.score", "score {score}"),
    ("signals.title", "Operator signals"),
    ("signals.note", "Signals are evidence, never truth: green the typical band, red the anomaly."),
    ("signals.evidence", "Evidence:"),
    ("signals.measures", "measures {component}"),
    ("signals.unreadable", "The measurements cannot be read right now ({error})."),
    ("signals.band", "typical band"),
    ("signals.anomaly", "{signal}{where}: {peak}, typically {typical}, since {since}"),
    ("signals.anomaly-ended", "{signal}{where}: {peak}, typically {typical}, from {since} to {until}"),
    ("signals.in", " in {region}"),
    ("timeline.declared", "{provider} reported the incident."),
    ("timeline.state.suspected", "{provider} is checking reports of a problem."),
    ("timeline.state.confirmed", "{provider} confirmed the problem."),
    ("timeline.state.identified", "{provider} found the cause and is working on a fix."),
    ("timeline.state.monitoring", "{provider} has put a fix in place and is watching whether it holds."),
    ("timeline.state.resolved", "{provider} reports that the problem is fixed."),
    ("timeline.updated", "{provider} updated the {fields}."),
    ("timeline.statement", "{provider} said: “{text}”"),
    ("history.title", "{provider}: history"),
    ("history.back", "Current status of {provider}"),
    ("history.availability", "Availability over {days} days"),
    ("history.how", "Share of time without an outage: a nationwide outage counts fully, a regional one half; maintenance does not count."),
    ("history.bars-label", "{n} of {days} days with problems"),
    ("history.range", "From {from} to {to}."),
    ("history.today", "today"),
    ("history.past", "Past incidents"),
    ("history.none", "No past incidents in the last 90 days."),
    ("history.detected", "Detected from user reports; the provider made no statement."),
];

const DE: &[(&str, &str)] = &[
    ("layout.skip", "Zum Inhalt springen"),
    ("layout.language", "Sprache"),
    ("layout.this-language", "Deutsch"),
    ("layout.all-providers", "Alle Anbieter"),
    ("layout.subscribe", "Benachrichtigungen abonnieren"),
    ("layout.feed", "Atom-Feed"),
    ("layout.feed-title", "Outage Radar: alle Anbieter"),
    ("layout.api", "API"),
    ("layout.updated", "Stand {time}"),
    ("layout.reload", "Neu laden"),
    ("error.not-found", "Seite nicht gefunden"),
    ("error.not-found-detail", "Unter {path} gibt es keine Seite. Prüfen Sie die Adresse oder beginnen Sie bei der Liste der Anbieter."),
    ("error.no-provider", "Anbieter nicht gefunden"),
    ("error.no-provider-detail", "Einen Anbieter dieses Namens verfolgen wir nicht. Die Liste der Anbieter zeigt alle, die wir verfolgen."),
    ("error.no-incident", "Störung nicht gefunden"),
    ("error.no-incident-detail", "Eine Störung dieses Namens kennen wir nicht. Vielleicht wurde sie mit einer anderen zusammengeführt; die Seite des Anbieters zeigt aktuelle und kürzliche Störungen."),
    ("error.client", "Die Anfrage konnte nicht beantwortet werden"),
    ("overview.title", "Gibt es eine Störung?"),
    ("overview.intro", "Aktuelle Störungsmeldungen von Nutzern zu {n} Anbietern, und was die Anbieter sagen."),
    ("overview.reports-24h", "{n} Meldungen in den letzten 24 Stunden"),
    ("overview.reports-24h.one", "1 Meldung in den letzten 24 Stunden"),
    ("headline.none", "Derzeit keine bekannten Probleme."),
    ("headline.problems", "Nutzer melden Probleme."),
    ("headline.problems-since", "Nutzer melden Probleme {since}."),
    ("headline.problems-with", "Nutzer melden Probleme: {what}."),
    ("level.operational", "Funktioniert"),
    ("level.maintenance", "Wartung"),
    ("level.degraded", "Eingeschränkt"),
    ("level.partial-outage", "Teilweise gestört"),
    ("level.major-outage", "Großstörung"),
    ("state.suspected", "Wird geprüft"),
    ("state.confirmed", "Bestätigt"),
    ("state.identified", "Ursache gefunden"),
    ("state.monitoring", "Behebung wird beobachtet"),
    ("state.resolved", "Behoben"),
    ("problem.no-signal", "Kein Netz"),
    ("problem.no-internet", "Kein Internet"),
    ("problem.slow-internet", "Langsames Internet"),
    ("problem.no-calls", "Telefonieren geht nicht"),
    ("problem.no-sms", "Keine SMS"),
    ("problem.total-outage", "Totalausfall"),
    ("problem.login", "Anmeldung geht nicht"),
    ("problem.hotline", "Hotline nicht erreichbar"),
    ("problem.billing", "Rechnung und Zahlung"),
    ("problem.other", "Etwas anderes"),
    ("field.title", "Titel"),
    ("field.services", "betroffenen Dienste"),
    ("field.components", "betroffenen Systeme"),
    ("field.regions", "betroffenen Regionen"),
    ("field.expected_end", "erwartete Ende"),
    ("field.maintenance", "Wartungsfenster"),
    ("outage.detected-title", "Störung: {services}"),
    ("outage.all-services", "mehrere Dienste"),
    ("outage.everywhere", "ganz Deutschland"),
    ("outage.scope", "Betrifft {services} in {regions}."),
    ("outage.expected-end", "voraussichtliches Ende {time}"),
    ("outage.workaround", "Abhilfe: {text}"),
    ("outage.earlier-statements", "Frühere Mitteilungen"),
    ("outage.details", "Details und Zusammenhänge"),
    ("provider.subscribe", "Abonnieren"),
    ("provider.unavailable", "Manche Angaben können gerade nicht gezeigt werden ({what}); bitte versuchen Sie es in einer Minute erneut."),
    ("provider.unavailable-counts", "Meldungszahlen"),
    ("provider.unavailable-tally", "Probleme und Regionen"),
    ("provider.unavailable-outages", "Störungen"),
    ("provider.report-link", "Probleme? Störung melden"),
    ("provider.current", "Aktuelle Störungen"),
    ("provider.top-problems", "Häufigste Probleme"),
    ("provider.no-reports", "Keine Meldungen in den letzten 24 Stunden."),
    ("provider.problems-note", "Anteil an {n} Nutzern, die in den letzten 24 Stunden ein Problem gemeldet haben."),
    ("provider.where", "Wo Nutzer Probleme melden"),
    ("provider.services", "Status der Dienste"),
    ("provider.service", "Dienst"),
    ("provider.status", "Status"),
    ("provider.component", "System"),
    ("provider.components", "Status von {n} Systemen ({bad} beeinträchtigt)"),
    ("provider.recent", "Kürzliche Störungen"),
    ("provider.recent-none", "Keine Störungen in den letzten 7 Tagen."),
    ("provider.history-link", "Verlauf und Verfügbarkeit über 90 Tage"),
    ("chart.title", "Meldungen in den letzten 24 Stunden"),
    ("chart.summary", "{total} Meldungen in 24 Stunden; die meisten um {time}: {peak} (üblich zu der Zeit: {low} bis {high})."),
    ("chart.summary-none", "Keine Meldungen in den letzten 24 Stunden."),
    ("chart.legend-reports", "Meldende Nutzer je 15 Minuten"),
    ("chart.legend-band", "Üblicher Bereich (gleiche Uhrzeit, letzte 7 Tage)"),
    ("chart.legend-typical", "Üblicher Wert"),
    ("chart.as-table", "Zahlen als Tabelle zeigen"),
    ("chart.table-caption", "Meldende Nutzer je 15 Minuten, mit dem üblichen Bereich"),
    ("chart.col-time", "Ab"),
    ("chart.col-reports", "Meldungen"),
    ("chart.col-typical", "Üblich"),
    ("map.label", "Deutschlandkarte: Meldungen nach Bundesland in den letzten 24 Stunden; die meisten aus {top}"),
    ("map.none", "Keine Meldungen nach Bundesland in den letzten 24 Stunden."),
    ("map.reports", "{n} Meldungen"),
    ("map.reports.one", "1 Meldung"),
    ("map.caption", "Meldungen nach Bundesland, letzte 24 Stunden"),
    ("map.land", "Bundesland"),
    ("map.count", "Meldungen"),
    ("form.title", "Störung melden"),
    ("form.thanks", "Danke: Ihre Meldung ist angekommen."),
    ("form.service", "Welcher Dienst?"),
    ("form.service-unsure", "Weiß nicht"),
    ("form.problem", "Was funktioniert nicht?"),
    ("form.postcode", "Postleitzahl"),
    ("form.postcode-hint", "Fünf Ziffern, z. B. 80331. Oder unten Ihr Bundesland wählen."),
    ("form.region", "Bundesland (wenn Sie keine Postleitzahl angeben)"),
    ("form.region-none", "Bundesland wählen"),
    ("form.send", "Meldung senden"),
    ("form.error.postcode-syntax", "Bitte eine Postleitzahl mit fünf Ziffern eingeben, z. B. 80331."),
    ("form.error.postcode-unknown", "Die Postleitzahl {value} kennen wir nicht. Bitte prüfen oder leer lassen und das Bundesland wählen."),
    ("form.error.postcode-outside", "Die Postleitzahl {value} liegt nicht im gewählten Bundesland. Bitte eines von beiden korrigieren oder das Bundesland leer lassen."),
    ("form.error.place-missing", "Bitte Postleitzahl eingeben oder Bundesland wählen."),
    ("form.error.region-unknown", "Bitte ein Bundesland aus der Liste wählen."),
    ("form.error.service-unknown", "Bitte einen Dienst aus der Liste wählen oder „Weiß nicht“."),
    ("form.error.problem-missing", "Bitte wählen, was nicht funktioniert."),
    ("form.error.other", "Bitte prüfen Sie das Feld {field}: {message}"),
    ("form.error.media-type", "Das Formular muss als application/x-www-form-urlencoded gesendet werden."),
    ("form.error.malformed", "Das Formular konnte nicht gelesen werden; bitte füllen Sie es erneut aus."),
    ("form.error.rate-limited", "Aus Ihrem Netz kamen gerade zu viele Meldungen; bitte versuchen Sie es in {seconds} Sekunden erneut."),
    ("form.error.unavailable", "Ihre Meldung kann gerade nicht gespeichert werden; bitte versuchen Sie es in einer Minute erneut."),
    ("incident.status", "Aktueller Stand"),
    ("incident.what", "Was"),
    ("incident.problems", "Nutzer melden: {problems}"),
    ("incident.where", "Wo"),
    ("incident.since", "Wann"),
    ("incident.was", "{from} – {to} ({duration})"),
    ("incident.detected", "Erkannt"),
    ("incident.detected-at", "erste Meldungen {first}, erkannt {at}"),
    ("incident.timeline", "Was geschah"),
    ("incident.related", "Hängt das mit anderen Störungen zusammen?"),
    ("incident.related-none", "Zur selben Zeit gibt es keine anderen Störungen."),
    ("incident.relation-related", "Das hängt wahrscheinlich mit „{what}“ bei {provider} zusammen."),
    ("incident.relation-unrelated", "Das hängt nicht mit „{what}“ bei {provider} zusammen."),
    ("incident.relation-undetermined", "Ob das mit „{what}“ bei {provider} zusammenhängt, ist noch unklar."),
    ("incident.evidence", "Warum wir das annehmen"),
    ("incident.confidence", "Sicherheit: {pct} %"),
    ("incident.cause", "Wahrscheinliche Ursache"),
    ("incident.cause-sentence", "Die wahrscheinlichste Ursache ist ein Fehler in: {component}."),
    ("incident.score", "Bewertung {score}"),
    ("signals.title", "Betreibersignale"),
    ("signals.note", "Signale sind Belege, keine Wahrheit: grün das übliche Band, rot die Abweichung."),
    ("signals.evidence", "Beleg:"),
    ("signals.measures", "misst {component}"),
    ("signals.unreadable", "Die Messwerte können gerade nicht gelesen werden ({error})."),
    ("signals.band", "übliches Band"),
    ("signals.anomaly", "{signal}{where}: {peak}, üblich {typical}, seit {since}"),
    ("signals.anomaly-ended", "{signal}{where}: {peak}, üblich {typical}, von {since} bis {until}"),
    ("signals.in", " in {region}"),
    ("timeline.declared", "{provider} hat die Störung gemeldet."),
    ("timeline.state.suspected", "{provider} prüft Meldungen über ein Problem."),
    ("timeline.state.confirmed", "{provider} hat das Problem bestätigt."),
    ("timeline.state.identified", "{provider} hat die Ursache gefunden und arbeitet an der Behebung."),
    ("timeline.state.monitoring", "{provider} hat eine Behebung eingespielt und beobachtet, ob sie hält."),
    ("timeline.state.resolved", "{provider} meldet, dass das Problem behoben ist."),
    ("timeline.updated", "{provider} hat die Angaben geändert: {fields}."),
    ("timeline.statement", "{provider} teilt mit: „{text}“"),
    ("history.title", "{provider}: Verlauf"),
    ("history.back", "Aktueller Status von {provider}"),
    ("history.availability", "Verfügbarkeit über {days} Tage"),
    ("history.how", "Anteil der Zeit ohne Störung: eine bundesweite Störung zählt ganz, eine regionale halb; Wartung zählt nicht."),
    ("history.bars-label", "{n} von {days} Tagen mit Problemen"),
    ("history.range", "Vom {from} bis {to}."),
    ("history.today", "heute"),
    ("history.past", "Frühere Störungen"),
    ("history.none", "Keine früheren Störungen in den letzten 90 Tagen."),
    ("history.detected", "Aus Nutzermeldungen erkannt; der Anbieter hat sich nicht geäußert."),
];

/// German names of the topology's services and components, by id.
const NAMES_DE: &[(&str, &str)] = &[
    ("service.cable", "Kabel-Internet"),
    ("service.calls", "Sprach- und Videoanrufe"),
    ("service.customer-service", "Kundenhotline"),
    ("service.dsl", "DSL-Internet"),
    ("service.feed", "Feed und Storys"),
    ("service.fiber", "Glasfaser-Internet"),
    ("service.hotline-wait", "Wartezeit der Hotline"),
    ("service.landline", "Festnetztelefonie"),
    ("service.login", "Anmeldung"),
    ("service.messaging", "Nachrichten"),
    ("service.mobile-data", "Mobiles Internet"),
    ("service.mobile-voice", "Mobiltelefonie"),
    ("service.self-care", "Online-Kundencenter (Portal und App)"),
    ("service.sms", "SMS"),
    ("service.streaming", "Video-Streaming"),
    ("service.tv", "Fernsehen"),
    ("service.website", "Website und Apps"),
    ("component.access-cable", "Kabelzugangsnetz (DOCSIS, CMTS)"),
    ("component.access-dsl", "DSL-Zugangsnetz (DSLAMs, MSANs)"),
    (
        "component.access-fiber",
        "Glasfaser-Zugangsnetz (FTTH/FTTB)",
    ),
    ("component.accounts", "Konten und Anmeldung"),
    (
        "component.bng",
        "Breitband-Netzzugänge (Festnetz-Sitzungen)",
    ),
    ("component.cable-tv-headend", "Kabel-TV-Kopfstellen (DVB-C)"),
    ("component.call-relay", "Relais für Sprach- und Videoanrufe"),
    ("component.crm", "Kundenverwaltung (CRM)"),
    ("component.crm-dsl", "Kundenverwaltung DSL"),
    ("component.crm-mobile", "Kundenverwaltung Mobilfunk"),
    ("component.dns", "DNS-Server"),
    ("component.edge", "Edge-Netz und Lastverteiler"),
    ("component.feed-backend", "Feed- und Medien-Backend"),
    (
        "component.hotline-telephony",
        "Hotline-Telefonie (Callcenter-Routing, Sprachmenü)",
    ),
    (
        "component.ims-voice",
        "IMS-Sprachplattform (VoLTE, WLAN-Call)",
    ),
    ("component.ip-backbone", "IP-Backbone und Peering"),
    (
        "component.iptv-platform",
        "IPTV- und TV-Streaming-Plattform",
    ),
    (
        "component.messaging-backend",
        "Nachrichten-Backend (Chat-Server, Nachrichtenspeicher)",
    ),
    ("component.mobile-core", "Mobilfunk-Kernnetz"),
    ("component.playback-api", "Wiedergabe- und Lizenz-API"),
    ("component.ran-5g", "5G-Funknetz"),
    ("component.ran-gsm", "GSM-Funknetz (2G)"),
    ("component.ran-lte", "LTE-Funknetz (4G)"),
    ("component.ran-umts", "UMTS-Funknetz (3G)"),
    ("component.self-care-portal", "Kundenportal und App-Backend"),
    ("component.sms-center", "SMS-Zentrale"),
    ("component.video-backend", "Video-Backend"),
    (
        "component.voip-platform",
        "Festnetz-Telefonieplattform (VoIP)",
    ),
    ("component.web-frontend", "Website- und App-Frontend"),
];

fn table(lang: &str) -> &'static HashMap<&'static str, &'static str> {
    static TABLES: OnceLock<[HashMap<&'static str, &'static str>; 2]> = OnceLock::new();
    let [en, de] =
        TABLES.get_or_init(|| [EN.iter().copied().collect(), DE.iter().copied().collect()]);
    if lang == "de" {
        de
    } else {
        en
    }
}

/// The text of `key` in `lang` (German for `de`, else English). A key that does not exist
/// comes back as itself, which the tests below rule out for every key the pages use.
pub fn t(lang: &str, key: &str) -> &'static str {
    table(lang)
        .get(key)
        .or_else(|| table("en").get(key))
        .copied()
        .unwrap_or_else(|| {
            tracing::warn!(key, "no such message");
            "?"
        })
}

/// [`t`] with each `{name}` replaced by its value. A sentence whose last value ends in an
/// abbreviation's period (`1 Std.`) ends with one period, not two.
pub fn tf(lang: &str, key: &str, args: &[(&str, &str)]) -> String {
    let mut s = t(lang, key).to_owned();
    for (name, value) in args {
        s = s.replace(&format!("{{{name}}}"), value);
    }
    if s.ends_with("..") && !s.ends_with("...") {
        s.pop();
    }
    s
}

/// A count in words: `{key}.one` for 1 where the catalogue has it, else `{key}` with `{n}`.
pub fn tn(lang: &str, key: &str, n: u64) -> String {
    let one = format!("{key}.one");
    if n == 1 && table(lang).contains_key(one.as_str()) {
        return t(lang, &one).to_owned();
    }
    tf(lang, key, &[("n", &n.to_string())])
}

pub fn problem(lang: &str, p: Problem) -> &'static str {
    t(lang, &format!("problem.{}", p.as_str()))
}

pub fn level(lang: &str, l: Level) -> &'static str {
    t(lang, &format!("level.{}", l.as_str()))
}

pub fn state(lang: &str, s: IncidentState) -> &'static str {
    t(lang, &format!("state.{}", s.as_str()))
}

/// An incident field in words (`expected_end` → "expected end"); `None` for one the
/// catalogue does not know.
pub fn field(lang: &str, f: &str) -> Option<&'static str> {
    table(lang).get(format!("field.{f}").as_str()).copied()
}

/// A declared component status as a level.
pub fn level_of(s: ComponentStatus) -> Level {
    match s {
        ComponentStatus::Operational => Level::Operational,
        ComponentStatus::Maintenance => Level::Maintenance,
        ComponentStatus::Degraded => Level::Degraded,
        ComponentStatus::PartialOutage => Level::PartialOutage,
        ComponentStatus::MajorOutage => Level::MajorOutage,
    }
}

fn german_name(key: &str) -> Option<&'static str> {
    static NAMES: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    NAMES
        .get_or_init(|| NAMES_DE.iter().copied().collect())
        .get(key)
        .copied()
}

/// A service's name in `lang`: German from [`NAMES_DE`], else the topology's name, else its id.
pub fn service_name(
    topology: &Topology,
    lang: &str,
    provider: &ProviderId,
    s: &ServiceId,
) -> String {
    if lang == "de" {
        if let Some(n) = german_name(&format!("service.{s}")) {
            return n.to_owned();
        }
    }
    topology
        .service(provider.as_str(), s.as_str())
        .map_or_else(|| s.to_string(), |x| x.name.clone())
}

/// A component's name in `lang`, as [`service_name`]; another provider's component carries
/// its provider's name.
pub fn component_name(topology: &Topology, lang: &str, c: &ComponentRef) -> String {
    let own = match (lang == "de")
        .then(|| german_name(&format!("component.{}", c.component)))
        .flatten()
    {
        Some(n) => n.to_owned(),
        None => topology
            .component(c)
            .map_or_else(|| c.component.to_string(), |x| x.name.clone()),
    };
    own
}

/// English names of the German Länder where English has its own (the topology names them in
/// German; the other eight are the same in both languages).
const LAENDER_EN: &[(&str, &str)] = &[
    ("DE-BY", "Bavaria"),
    ("DE-HE", "Hesse"),
    ("DE-MV", "Mecklenburg-Western Pomerania"),
    ("DE-NI", "Lower Saxony"),
    ("DE-NW", "North Rhine-Westphalia"),
    ("DE-RP", "Rhineland-Palatinate"),
    ("DE-SN", "Saxony"),
    ("DE-ST", "Saxony-Anhalt"),
    ("DE-TH", "Thuringia"),
];

/// A region's name in `lang`: the English name of a German Land on English pages, else the
/// topology's name, else its id.
pub fn region_name(topology: &Topology, lang: &str, r: &str) -> String {
    if lang != "de" {
        if let Some((_, n)) = LAENDER_EN.iter().find(|(id, _)| *id == r) {
            return (*n).to_owned();
        }
    }
    topology.region_name(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn keys(t: &[(&'static str, &str)]) -> BTreeSet<&'static str> {
        t.iter().map(|(k, _)| *k).collect()
    }

    fn placeholders(s: &str) -> BTreeSet<String> {
        s.split('{')
            .skip(1)
            .filter_map(|p| p.split_once('}').map(|(n, _)| n.to_owned()))
            .collect()
    }

    #[test]
    fn every_key_is_in_both_languages_once_with_the_same_placeholders() {
        for (name, t) in [("EN", EN), ("DE", DE), ("NAMES_DE", NAMES_DE)] {
            assert_eq!(keys(t).len(), t.len(), "{name} has a key twice");
            for (k, v) in t {
                assert!(!v.trim().is_empty(), "{name}: {k} is empty");
            }
        }
        let (en, de) = (keys(EN), keys(DE));
        let missing_de: Vec<_> = en.difference(&de).collect();
        let missing_en: Vec<_> = de.difference(&en).collect();
        assert!(missing_de.is_empty(), "missing in German: {missing_de:?}");
        assert!(missing_en.is_empty(), "missing in English: {missing_en:?}");
        for (k, v) in EN {
            let d = table("de")[k];
            assert_eq!(placeholders(v), placeholders(d), "placeholders of {k}");
        }
    }

    /// The keys a page source asks for with `t(lang, "…")` or `tf(lang, "…", …)` (any
    /// whitespace between), and the sentence keys chosen by a `match`.
    fn used_keys(src: &str) -> Vec<String> {
        let mut out = Vec::new();
        for (i, _) in src.match_indices('(') {
            let before = &src[..i];
            if !(before.ends_with(" t")
                || before.ends_with("(t")
                || before.ends_with("tf")
                || before.ends_with("tn"))
            {
                continue;
            }
            let rest = src[i + 1..].trim_start();
            let Some(rest) = ["lang,", "other,"]
                .iter()
                .find_map(|p| rest.strip_prefix(p))
            else {
                continue;
            };
            let rest = rest.trim_start();
            if let Some(lit) = rest.strip_prefix('"').and_then(|r| r.split_once('"')) {
                out.push(lit.0.to_owned());
            }
        }
        for (i, _) in src.match_indices("=> \"") {
            let lit = src[i + 4..].split('"').next().unwrap_or("");
            if lit.contains('.') && !lit.contains(' ') {
                out.push(lit.to_owned());
            }
        }
        out
    }

    #[test]
    fn every_key_the_pages_use_exists() {
        let sources = [
            ("pages.rs", include_str!("pages.rs")),
            ("chart.rs", include_str!("chart.rs")),
            ("map.rs", include_str!("map.rs")),
            ("history.rs", include_str!("history.rs")),
            ("relations.rs", include_str!("../explain/relations.rs")),
            ("form.rs", include_str!("../intake/form.rs")),
            ("startup.rs", include_str!("../startup.rs")),
            ("signals.rs", include_str!("../explain/signals.rs")),
        ];
        let en = keys(EN);
        let mut n = 0;
        for (file, src) in sources {
            for k in used_keys(src) {
                n += 1;
                assert!(
                    en.contains(k.as_str()),
                    "{file} asks for {k:?}, which the catalogue lacks"
                );
            }
        }
        assert!(n > 100, "found only {n} uses: is the scan still right?");
    }

    #[test]
    fn every_vocabulary_word_exists() {
        for lang in LANGS {
            for p in Problem::ALL {
                assert_ne!(problem(lang, *p), "?", "{lang} {p}");
            }
            for l in [
                Level::Operational,
                Level::Maintenance,
                Level::Degraded,
                Level::PartialOutage,
                Level::MajorOutage,
            ] {
                assert_ne!(level(lang, l), "?", "{lang} {l:?}");
            }
            for s in IncidentState::ALL {
                assert_ne!(state(lang, *s), "?");
                assert_ne!(t(lang, &format!("timeline.state.{}", s.as_str())), "?");
            }
            for f in [
                "title",
                "services",
                "components",
                "regions",
                "expected_end",
                "maintenance",
            ] {
                assert!(field(lang, f).is_some(), "{lang} field {f}");
            }
        }
    }

    #[test]
    fn every_service_and_component_of_the_shipped_topology_has_a_german_name() {
        let topo = radar_core::topology::germany::topology();
        for s in &topo.services {
            assert!(
                german_name(&format!("service.{}", s.id)).is_some(),
                "service {}",
                s.id
            );
        }
        for c in &topo.components {
            assert!(
                german_name(&format!("component.{}", c.id)).is_some(),
                "component {}",
                c.id
            );
        }
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(
            tf("de", "layout.updated", &[("time", "14:52")]),
            "Stand 14:52"
        );
        assert_eq!(
            tf("en", "layout.updated", &[("time", "14:52")]),
            "Updated 14:52"
        );
        assert_eq!(t("fr", "layout.reload"), "Reload");
        assert_eq!(tn("en", "map.reports", 1), "1 report");
        assert_eq!(tn("de", "map.reports", 2), "2 Meldungen");
        assert_eq!(
            tf(
                "de",
                "headline.problems-since",
                &[("since", "seit 12:00, 1 Std.")]
            ),
            "Nutzer melden Probleme seit 12:00, 1 Std."
        );
    }
}
