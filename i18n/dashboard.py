"""Every word the dashboard shows, in English and Dutch, in one place.

Why one module: translators and reviewers see all text side by side, a test can check that both
languages define the same keys, and pages never hard-code a sentence. The guidance advice is
written in our own words after ../shared/guidance.md (the article itself is not quoted).

`t(key, lang, **values)` looks a string up and fills `{placeholders}`; an unknown key raises
KeyError so a typo fails in tests instead of showing a blank.
"""

from __future__ import annotations

import locale
import os
import string
from collections.abc import Mapping

from backcoach.i18n.plan import PLAN_STRINGS
from backcoach.i18n.practice import PRACTICE_STRINGS

LANGS: tuple[str, ...] = ("en", "nl")
LANG_NAMES: Mapping[str, str] = {"en": "English", "nl": "Nederlands"}

STRINGS: dict[str, dict[str, str]] = {
    # -- frame ---------------------------------------------------------------------------------
    "app.title": {"en": "backcoach", "nl": "backcoach"},
    "app.tagline": {
        "en": "From pain to progress: how your back was used, day by day.",
        "nl": "Van pijn naar vooruitgang: hoe je rug gebruikt werd, dag na dag.",
    },
    "app.disclaimer": {
        "en": "backcoach is not a medical device. If back pain persists or is severe, "
        "see a doctor or physiotherapist.",
        "nl": "backcoach is geen medisch hulpmiddel. Houdt rugpijn aan of is ze hevig, "
        "ga dan naar een huisarts of fysiotherapeut.",
    },
    "app.language": {"en": "Language", "nl": "Taal"},
    "app.simulated": {
        "en": "Simulated data: these days come from the demo (a simulated wearer), not from a "
        "sensor.",
        "nl": "Gesimuleerde gegevens: deze dagen komen uit de demo (een gesimuleerde drager), "
        "niet van een sensor.",
    },
    "app.store_error": {
        "en": "The data store cannot be opened: {error}",
        "nl": "De gegevensopslag kan niet worden geopend: {error}",
    },
    # -- rule thresholds (Settings & data) ------------------------------------------------------
    "rule.sitting_bout_max_min": {
        "en": "Longest sitting bout (min)",
        "nl": "Langste zitperiode (min)",
    },
    "rule.sitting_repeat_min": {
        "en": "Repeat the sitting warning every (min)",
        "nl": "Zitwaarschuwing herhalen elke (min)",
    },
    "rule.breaks_per_sitting_hour_min": {
        "en": "Breaks per sitting hour (at least)",
        "nl": "Pauzes per zituur (minstens)",
    },
    "rule.break_min_s": {"en": "A break lasts at least (s)", "nl": "Een pauze duurt minstens (s)"},
    "rule.static_posture_max_min": {
        "en": "Longest static posture (min)",
        "nl": "Langste statische houding (min)",
    },
    "rule.static_warning_min": {
        "en": "Warn after a static posture of (min)",
        "nl": "Waarschuwen na een statische houding van (min)",
    },
    "rule.leg_lift_share_min": {
        "en": "Share of lifts with the legs (at least, 0–1)",
        "nl": "Aandeel tillen met de benen (minstens, 0–1)",
    },
    "rule.back_lifts_window_n": {
        "en": "Straight-leg pick-ups that trigger a warning",
        "nl": "Aantal keer bukken met gestrekte benen voor een waarschuwing",
    },
    "rule.back_lifts_window_min": {"en": "… within (min)", "nl": "… binnen (min)"},
    "rule.warn_every_back_lift": {
        "en": "Warn at every straight-leg pick-up",
        "nl": "Waarschuwen bij elke keer bukken met gestrekte benen",
    },
    "rule.deep_bend_deg": {"en": "Deep bend from (°)", "nl": "Diep bukken vanaf (°)"},
    "rule.deep_bend_warning_s": {
        "en": "Warn after a deep bend of (s)",
        "nl": "Waarschuwen na diep bukken van (s)",
    },
    "rule.flexion_deg": {"en": "Forward bend from (°)", "nl": "Voorover buigen vanaf (°)"},
    "rule.flexion_warning_s": {
        "en": "Warn after bending forward for (s)",
        "nl": "Waarschuwen na voorover buigen van (s)",
    },
    "rule.over60_share_max": {
        "en": "Time over 60° (at most, share of upright time)",
        "nl": "Tijd boven 60° (hoogstens, aandeel van rechtop-tijd)",
    },
    "rule.inactive_max_min": {
        "en": "Longest inactive stretch while awake (min)",
        "nl": "Langste inactieve periode overdag (min)",
    },
    "rule.active_min_per_hour": {
        "en": "Active minutes per awake hour (at least)",
        "nl": "Actieve minuten per wakker uur (minstens)",
    },
    "rule.walking_plan_min": {"en": "Walking plan (min per day)", "nl": "Wandelplan (min per dag)"},
    "rule.acwr_low": {"en": "Load ratio, steady from", "nl": "Belastingsverhouding, stabiel vanaf"},
    "rule.acwr_high": {"en": "Load ratio, steady up to", "nl": "Belastingsverhouding, stabiel tot"},
    "rule.acwr_spike": {"en": "Load ratio, spike above", "nl": "Belastingsverhouding, piek boven"},
    "rule.sleep_target_h": {
        "en": "Lying at night (h, at least)",
        "nl": "Liggen 's nachts (u, minstens)",
    },
    "rule.slumped_deg": {"en": "Slumped sitting from (°)", "nl": "Onderuitgezakt zitten vanaf (°)"},
    "rule.slumped_share_max": {
        "en": "Slumped share of sitting (at most, 0–1)",
        "nl": "Aandeel onderuitgezakt zitten (hoogstens, 0–1)",
    },
    "rule.slumped_warning_min": {
        "en": "Warn after slumped sitting for (min)",
        "nl": "Waarschuwen na onderuitgezakt zitten van (min)",
    },
    "nav.today": {"en": "Today", "nl": "Vandaag"},
    "nav.guidance": {"en": "Guidance", "nl": "Advies"},
    "nav.progress": {"en": "Progress", "nl": "Voortgang"},
    "nav.diary": {"en": "Diary", "nl": "Dagboek"},
    "nav.settings": {"en": "Settings & data", "nl": "Instellingen & gegevens"},
    # -- empty store ---------------------------------------------------------------------------
    "empty.title": {"en": "No data yet", "nl": "Nog geen gegevens"},
    "today.first_minutes": {
        "en": "The day's charts appear once the first minutes of this session are stored.",
        "nl": "De grafieken van de dag verschijnen zodra de eerste minuten van deze sessie zijn "
        "opgeslagen.",
    },
    "empty.body": {
        "en": "Nothing has been recorded yet. Try a simulated day with `backcoach demo` "
        "(no sensor needed), or wear a sensor and start recording with `backcoach collect`; "
        "then reload this page.",
        "nl": "Er is nog niets opgenomen. Probeer een gesimuleerde dag met `backcoach demo` "
        "(geen sensor nodig), of draag een sensor en start de opname met `backcoach collect`; "
        "laad deze pagina daarna opnieuw.",
    },
    "empty.where_file": {
        "en": "Looked in {path} (the data folder comes from BACKCOACH_DATA_DIR or data_dir).",
        "nl": "Gezocht in {path} (de gegevensmap komt uit BACKCOACH_DATA_DIR of data_dir).",
    },
    "empty.where_influx": {
        "en": "Looked in InfluxDB bucket {bucket} at {url}.",
        "nl": "Gezocht in InfluxDB-bucket {bucket} op {url}.",
    },
    "empty.day": {
        "en": "No recording for {day}. Pick another day.",
        "nl": "Geen opname op {day}. Kies een andere dag.",
    },
    # -- today ---------------------------------------------------------------------------------
    "today.title": {"en": "Your day", "nl": "Jouw dag"},
    "today.pick_day": {"en": "Day", "nl": "Dag"},
    "today.headline": {"en": "Headline numbers", "nl": "Kerncijfers"},
    "today.sitting_h": {"en": "Sitting", "nl": "Zitten"},
    "today.longest_bout": {"en": "Longest sitting bout", "nl": "Langste zitperiode"},
    "today.bends60": {"en": "Bends over 60°", "nl": "Bukken dieper dan 60°"},
    "today.lifts": {
        "en": "Down and up (straight legs / bent knees)",
        "nl": "Bukken en opkomen (gestrekte benen / door de knieën)",
    },
    "today.walking": {"en": "Walking", "nl": "Wandelen"},
    "today.steps": {"en": "Steps", "nl": "Stappen"},
    "today.warnings_n": {"en": "Warnings", "nl": "Waarschuwingen"},
    "today.timeline": {"en": "Posture over the day", "nl": "Houding over de dag"},
    "today.trunk": {"en": "Trunk angle", "nl": "Romphoek"},
    "timeline.memory": {"en": "from the sensor's memory", "nl": "uit het sensorgeheugen"},
    "timeline.imported": {"en": "imported from a file", "nl": "geïmporteerd uit een bestand"},
    "today.other_version": {
        "en": "This day was analysed by backcoach {version} (now {now}). Thresholds change "
        "between versions, so its figures may not compare with days analysed now.",
        "nl": "Deze dag is geanalyseerd door backcoach {version} (nu {now}). Drempels veranderen "
        "tussen versies, dus de cijfers zijn mogelijk niet vergelijkbaar met nu geanalyseerde "
        "dagen.",
    },
    "today.unknown_version": {
        "en": "This day was analysed by an earlier version of backcoach (before versions were "
        "kept with each day). Thresholds change between versions, so its figures may not "
        "compare with days analysed now.",
        "nl": "Deze dag is geanalyseerd door een eerdere versie van backcoach (van voordat de "
        "versie bij elke dag werd bewaard). Drempels veranderen tussen versies, dus de cijfers "
        "zijn mogelijk niet vergelijkbaar met nu geanalyseerde dagen.",
    },
    "today.other_settings": {
        "en": "This day was analysed with other settings than now (sensor placement or rule "
        "thresholds), so its figures may not compare with days analysed now.",
        "nl": "Deze dag is geanalyseerd met andere instellingen dan nu (plaats van de sensor of "
        "drempels), dus de cijfers zijn mogelijk niet vergelijkbaar met nu geanalyseerde dagen.",
    },
    "today.filled_caption": {
        "en": "Hatched: {minutes} min of this day were read back from the sensor's own memory "
        "or imported afterwards, and analysed like the rest. Time the sensor did not keep stays "
        "empty.",
        "nl": "Gearceerd: {minutes} min van deze dag zijn achteraf uit het geheugen van de sensor "
        "gelezen of geïmporteerd, en net zo geanalyseerd als de rest. Tijd die de sensor niet "
        "bewaarde blijft leeg.",
    },
    "today.bouts": {"en": "Sitting bouts", "nl": "Zitperiodes"},
    "today.bouts_caption": {
        "en": "Bouts over {limit:.0f} minutes are highlighted.",
        "nl": "Periodes langer dan {limit:.0f} minuten zijn gemarkeerd.",
    },
    "today.no_bouts": {"en": "No sitting bouts this day.", "nl": "Geen zitperiodes op deze dag."},
    "today.warnings": {"en": "Warnings of the day", "nl": "Waarschuwingen van de dag"},
    "today.no_warnings": {
        "en": "No warnings fired this day.",
        "nl": "Er zijn deze dag geen waarschuwingen gegeven.",
    },
    "live.title": {"en": "Live", "nl": "Live"},
    "live.not_running": {
        "en": "Not recording now: the live panel appears while a sensor is streaming "
        "(`backcoach collect`).",
        "nl": "Er loopt nu geen opname: het livepaneel verschijnt zodra een sensor gegevens "
        "stuurt (`backcoach collect`).",
    },
    # the collector's states (`collector.state`), as the live panel shows them
    "live.state.starting": {"en": "Starting", "nl": "Bezig met starten"},
    "live.state.searching": {"en": "Looking for the sensor", "nl": "Zoekt de sensor"},
    "live.state.connecting": {"en": "Connecting", "nl": "Verbinden"},
    "live.state.streaming": {"en": "Receiving data", "nl": "Ontvangt gegevens"},
    "live.state.reconnecting": {"en": "Reconnecting", "nl": "Opnieuw verbinden"},
    "live.state.simulating": {"en": "Simulated wearer", "nl": "Gesimuleerde drager"},
    "live.state.stopped": {"en": "Stopped", "nl": "Gestopt"},
    "live.posture": {"en": "Posture now", "nl": "Houding nu"},
    "live.trunk": {"en": "Trunk angle", "nl": "Romphoek"},
    "live.learning": {
        "en": "Provisional: this sensor is new to backcoach. Walk for about 20 seconds so it "
        "learns which way is up and forward; until then posture is not known and the angle "
        "below is only the tilt from how you stood when recording began. Everything recorded "
        "so far is analysed properly once it knows.",
        "nl": "Voorlopig: deze sensor is nieuw voor backcoach. Loop ongeveer 20 seconden, zodat "
        "hij leert wat boven en voor is; tot dan is de houding onbekend en is de hoek hieronder "
        "alleen de kanteling ten opzichte van hoe u stond toen de opname begon. Alles wat tot "
        "nu toe is opgenomen, wordt daarna alsnog goed geanalyseerd.",
    },
    "live.tilt": {"en": "Tilt (provisional)", "nl": "Kanteling (voorlopig)"},
    "live.tilt_help": {
        "en": "Degrees from your posture at the start of recording, in any direction.",
        "nl": "Graden ten opzichte van uw houding bij het begin van de opname, in elke richting.",
    },
    "live.quiet": {
        "en": "Warnings are held until {until} (quiet hours).",
        "nl": "Waarschuwingen wachten tot {until} (stille uren).",
    },
    "live.since_break": {"en": "Since last break", "nl": "Sinds laatste pauze"},
    "live.battery": {"en": "Sensor battery", "nl": "Sensorbatterij"},
    "live.state": {"en": "Connection", "nl": "Verbinding"},
    "live.updated": {
        "en": "Last sample {ago} ago.",
        "nl": "Laatste meting {ago} geleden.",
    },
    "live.recent": {
        "en": "Trunk angle, the last 10 minutes, second by second",
        "nl": "Romphoek, de laatste 10 minuten, per seconde",
    },
    # -- column / axis labels ------------------------------------------------------------------
    "col.time": {"en": "Time", "nl": "Tijd"},
    "col.sensor": {"en": "Sensor", "nl": "Sensor"},
    "col.found_from": {"en": "Found from", "nl": "Bepaald uit"},
    "col.found_at": {"en": "When", "nl": "Wanneer"},
    "col.up": {"en": "Up", "nl": "Omhoog"},
    "col.forward": {"en": "Forward", "nl": "Voorwaarts"},
    "col.start": {"en": "Start", "nl": "Begin"},
    "col.end": {"en": "End", "nl": "Einde"},
    "col.minutes": {"en": "Minutes", "nl": "Minuten"},
    "col.rule": {"en": "Rule", "nl": "Regel"},
    "col.value": {"en": "Value", "nl": "Waarde"},
    "col.message": {"en": "Message", "nl": "Bericht"},
    "col.day": {"en": "Day", "nl": "Dag"},
    "col.pain": {"en": "Pain (0–10)", "nl": "Pijn (0–10)"},
    "col.note": {"en": "Note", "nl": "Notitie"},
    "col.water": {"en": "Enough water", "nl": "Genoeg water"},
    "col.breaks": {"en": "Breaks planned", "nl": "Pauzes gepland"},
    "col.stress": {"en": "Stress (0–10)", "nl": "Stress (0–10)"},
    "axis.trunk_deg": {"en": "Trunk inclination (°)", "nl": "Rompkanteling (°)"},
    "axis.time_of_day": {"en": "Time of day", "nl": "Tijdstip"},
    "axis.bout_min": {"en": "Bout length (min)", "nl": "Duur periode (min)"},
    "axis.day": {"en": "Day", "nl": "Dag"},
    "axis.hours": {"en": "Hours", "nl": "Uren"},
    "axis.minutes": {"en": "Minutes", "nl": "Minuten"},
    "axis.per_hour": {"en": "Per sitting hour", "nl": "Per zituur"},
    "axis.count": {"en": "Count", "nl": "Aantal"},
    "axis.steps": {"en": "Steps", "nl": "Stappen"},
    "axis.load": {"en": "Back load (a.u.)", "nl": "Rugbelasting (a.e.)"},
    "axis.ratio": {"en": "Acute:chronic ratio", "nl": "Acuut:chronisch-ratio"},
    "axis.pain": {"en": "Pain (0–10)", "nl": "Pijn (0–10)"},
    "legend.bend": {"en": "Bend", "nl": "Bukken"},
    "legend.lift_back": {"en": "Down and up, straight legs", "nl": "Bukken, gestrekte benen"},
    "legend.lift_legs": {"en": "Down and up, bent knees", "nl": "Bukken, door de knieën"},
    "legend.long_bout": {"en": "Over the limit", "nl": "Boven de grens"},
    "legend.ok_bout": {"en": "Within the limit", "nl": "Binnen de grens"},
    "legend.sitting_h": {"en": "Sitting (h)", "nl": "Zitten (u)"},
    "legend.longest_bout": {"en": "Longest bout (min)", "nl": "Langste periode (min)"},
    "legend.walking_min": {"en": "Walking (min)", "nl": "Wandelen (min)"},
    "legend.over60_min": {"en": "Over 60° (min)", "nl": "Boven 60° (min)"},
    "legend.load": {"en": "Daily load", "nl": "Dagbelasting"},
    "legend.acwr": {"en": "Acute:chronic", "nl": "Acuut:chronisch"},
    "legend.steady": {"en": "Steady band", "nl": "Stabiele zone"},
    "legend.pain": {"en": "Pain", "nl": "Pijn"},
    "legend.band_20_45": {"en": "20–45°", "nl": "20–45°"},
    "legend.band_45_60": {"en": "45–60°", "nl": "45–60°"},
    "legend.band_over60": {"en": "over 60°", "nl": "boven 60°"},
    "band.steady": {"en": "steady 0.8–1.3", "nl": "stabiel 0,8–1,3"},
    "band.spike": {"en": "spike > 1.5", "nl": "piek > 1,5"},
    "posture.lying": {"en": "lying", "nl": "liggen"},
    "posture.sitting": {"en": "sitting", "nl": "zitten"},
    "posture.standing": {"en": "standing", "nl": "staan"},
    "posture.walking": {"en": "walking", "nl": "lopen"},
    "posture.running": {"en": "running", "nl": "rennen"},
    "posture.other": {"en": "other", "nl": "overig"},
    "posture.unknown": {"en": "unknown", "nl": "onbekend"},
    # -- guidance ------------------------------------------------------------------------------
    "guidance.title": {"en": "Guidance scorecard", "nl": "Adviesoverzicht"},
    "guidance.intro": {
        "en": "Each card holds one piece of advice, how you did on {day}, and a next step.",
        "nl": "Elke kaart geeft één advies, hoe het ging op {day}, en een volgende stap.",
    },
    "guidance.today": {"en": "Today", "nl": "Vandaag"},
    "guidance.target": {"en": "Target", "nl": "Doel"},
    "guidance.trend": {"en": "Last 7 days", "nl": "Laatste 7 dagen"},
    "guidance.next": {"en": "Try next", "nl": "Probeer nu"},
    "guidance.g5_note": {
        "en": "Moving for less than a minute does not end an inactive stretch.",
        "nl": "Minder dan een minuut bewegen onderbreekt een inactieve periode niet.",
    },
    "guidance.g7_history": {
        "en": "Not enough history yet ({n} of {need} days).",
        "nl": "Nog niet genoeg geschiedenis ({n} van {need} dagen).",
    },
    "status.green": {"en": "on track", "nl": "op koers"},
    "status.amber": {"en": "close", "nl": "bijna"},
    "status.red": {"en": "needs attention", "nl": "let op"},
    "status.none": {"en": "no data", "nl": "geen gegevens"},
    # -- progress ------------------------------------------------------------------------------
    "progress.title": {"en": "Progress", "nl": "Voortgang"},
    "progress.window": {"en": "Period", "nl": "Periode"},
    "progress.days": {"en": "{n} days", "nl": "{n} dagen"},
    "progress.sitting": {"en": "Sitting and the longest bout", "nl": "Zitten en langste periode"},
    "progress.breaks": {"en": "Breaks per sitting hour", "nl": "Pauzes per zituur"},
    "progress.over60": {"en": "Time bent over 60°", "nl": "Tijd voorover boven 60°"},
    "progress.lifts": {
        "en": "Down and up: straight legs versus bent knees",
        "nl": "Bukken en opkomen: gestrekte benen of door de knieën",
    },
    "progress.walking": {"en": "Walking minutes and steps", "nl": "Wandelminuten en stappen"},
    "progress.load": {
        "en": "Daily back load and the acute:chronic ratio, with pain",
        "nl": "Dagelijkse rugbelasting en acuut:chronisch-ratio, met pijn",
    },
    "progress.other_version": {
        "en": "Analysed by an earlier version of backcoach: {days}. Thresholds change between "
        "versions, so these days may not compare with the later ones.",
        "nl": "Geanalyseerd door een eerdere versie van backcoach: {days}. Drempels veranderen "
        "tussen versies, dus deze dagen zijn mogelijk niet vergelijkbaar met de latere.",
    },
    "progress.other_settings": {
        "en": "Analysed with other settings than now (sensor placement or rule thresholds): "
        "{days}. These days may not compare with the others.",
        "nl": "Geanalyseerd met andere instellingen dan nu (plaats van de sensor of drempels): "
        "{days}. Deze dagen zijn mogelijk niet vergelijkbaar met de andere.",
    },
    "progress.days_span": {
        "en": "{n} days from {first} to {last}",
        "nl": "{n} dagen van {first} tot {last}",
    },
    "progress.weekly": {"en": "What improved this week", "nl": "Wat ging er deze week beter"},
    "progress.no_week": {
        "en": "Two weeks of data are needed to compare one week with the one before.",
        "nl": "Er zijn twee weken gegevens nodig om een week met de vorige te vergelijken.",
    },
    "progress.nothing_better": {
        "en": "No figure improved on last week; small steps still count.",
        "nl": "Geen cijfer ging vooruit ten opzichte van vorige week; kleine stappen tellen ook.",
    },
    "progress.improved": {
        "en": "{metric}: {before} → {after}",
        "nl": "{metric}: {before} → {after}",
    },
    "progress.worse": {"en": "Worse than last week", "nl": "Minder goed dan vorige week"},
    "progress.no_summaries": {
        "en": "No daily summaries in this period yet.",
        "nl": "Nog geen dagoverzichten in deze periode.",
    },
    # -- weekly report (backcoach report, and the Progress page's download) --------------------
    "report.title": {"en": "Weekly report", "nl": "Weekrapport"},
    "report.week": {"en": "Week {week}, {year}", "nl": "Week {week}, {year}"},
    "report.simulated": {
        "en": "Simulated data ({days}): from the demo (a simulated wearer), not from a sensor.",
        "nl": "Gesimuleerde gegevens ({days}): uit de demo (een gesimuleerde drager), niet van "
        "een sensor.",
    },
    "report.for": {
        "en": "How the back was used, measured by a back-worn sensor, against the guidance.",
        "nl": "Hoe de rug gebruikt werd, gemeten met een sensor op de rug, naast de adviezen.",
    },
    "report.coverage": {
        "en": "{days} of 7 days with data, {hours} hours recorded.",
        "nl": "{days} van de 7 dagen met gegevens, {hours} uur opgenomen.",
    },
    "report.missing": {"en": "No data on: {days}.", "nl": "Geen gegevens op: {days}."},
    "report.made": {
        "en": "Made on {day} with backcoach {version}.",
        "nl": "Gemaakt op {day} met backcoach {version}.",
    },
    "report.page": {"en": "Page", "nl": "Pagina"},
    "report.of": {"en": "of", "nl": "van"},
    "report.rules": {"en": "The week against the guidance", "nl": "De week naast de adviezen"},
    "report.rules_intro": {
        "en": "Each figure is the average day of the week, graded like a day on the Guidance "
        "page: on track, close (within a quarter of the target) or needs attention. "
        "“Days on target” counts the days that met it.",
        "nl": "Elk cijfer is de gemiddelde dag van de week, beoordeeld zoals een dag op de "
        "Adviespagina: op koers, bijna (binnen een kwart van het doel) of let op. "
        "„Dagen op doel” telt de dagen die het haalden.",
    },
    "report.col_rule": {"en": "Rule", "nl": "Advies"},
    "report.col_week": {"en": "This week", "nl": "Deze week"},
    "report.col_target": {"en": "Target", "nl": "Doel"},
    "report.col_status": {"en": "Status", "nl": "Status"},
    "report.col_days": {"en": "Days on target", "nl": "Dagen op doel"},
    "report.col_before": {"en": "Week before", "nl": "Week ervoor"},
    "report.col_change": {"en": "Change", "nl": "Verschil"},
    "report.change.better": {"en": "better", "nl": "beter"},
    "report.change.worse": {"en": "worse", "nl": "minder goed"},
    "report.change.steady": {"en": "steady", "nl": "gelijk"},
    "report.change.none": {"en": "–", "nl": "–"},
    "report.g12_value": {
        "en": "{n:.0f} figures better",
        "nl": "{n:.0f} cijfers beter",
    },
    "report.charts": {"en": "Day by day", "nl": "Dag voor dag"},
    "report.bending": {
        "en": "Time bent forward while upright, per band",
        "nl": "Tijd voorovergebogen terwijl rechtop, per zone",
    },
    "report.cap_sitting": {
        "en": "Bars: hours of sitting. Line: the longest sitting bout (target: at most "
        "{limit:.0f} min).",
        "nl": "Staven: uren zitten. Lijn: de langste zitperiode (doel: hoogstens {limit:.0f} min).",
    },
    "report.cap_bending": {
        "en": "Minutes with the trunk bent 20–45°, 45–60° and over 60° (G4).",
        "nl": "Minuten met de romp 20–45°, 45–60° en meer dan 60° voorover (G4).",
    },
    "report.cap_lifts": {
        "en": "Bending down and back up, with straight legs (from the hips) and with bent knees "
        "(target: at least {share:.0f}% with bent knees). The sensor cannot feel a load: "
        "these are the movements of lifting, whether or not something was lifted.",
        "nl": "Bukken en weer opkomen, met gestrekte benen (vanuit de heupen) en door de knieën "
        "(doel: minstens {share:.0f}% door de knieën). De sensor voelt geen last: dit zijn de "
        "bewegingen van het tillen, of er nu iets werd opgetild of niet.",
    },
    "report.cap_walking": {
        "en": "Bars: walking minutes (plan: {plan:.0f} min a day). Line: steps.",
        "nl": "Staven: wandelminuten (plan: {plan:.0f} min per dag). Lijn: stappen.",
    },
    "report.cap_load": {
        "en": "Top: daily back load with the diary's pain. Below: the acute:chronic ratio "
        "(steady {low:.1f}–{high:.1f}, spike over {spike:.1f}).",
        "nl": "Boven: dagelijkse rugbelasting met de pijn uit het dagboek. Onder: de "
        "acuut:chronisch-ratio (stabiel {low:.1f}–{high:.1f}, piek boven {spike:.1f}).",
    },
    "report.warnings": {"en": "Warnings this week", "nl": "Waarschuwingen deze week"},
    "report.warnings_intro": {
        "en": "How often each rule warned, per day, and its strongest warning of the week.",
        "nl": "Hoe vaak elk advies waarschuwde, per dag, en de sterkste waarschuwing van de week.",
    },
    "report.total": {"en": "Total", "nl": "Totaal"},
    "report.strongest": {"en": "Strongest", "nl": "Sterkste"},
    "report.no_warnings": {
        "en": "No warnings this week.",
        "nl": "Deze week geen waarschuwingen.",
    },
    "report.diary": {"en": "Diary", "nl": "Dagboek"},
    "report.no_diary": {
        "en": "No diary entries this week.",
        "nl": "Deze week geen notities in het dagboek.",
    },
    "report.yes": {"en": "yes", "nl": "ja"},
    "report.no": {"en": "no", "nl": "nee"},
    # the Progress page's download
    "report.section": {"en": "Weekly report", "nl": "Weekrapport"},
    "report.section_intro": {
        "en": "A printable report of one week (A4) to take along to your physiotherapist or "
        "doctor.",
        "nl": "Een afdrukbaar rapport van één week (A4) om mee te nemen naar je fysiotherapeut "
        "of huisarts.",
    },
    "report.pick_week": {"en": "Week", "nl": "Week"},
    "report.download_pdf": {"en": "Download report (PDF)", "nl": "Rapport downloaden (PDF)"},
    "report.download_html": {
        "en": "Download report (HTML)",
        "nl": "Rapport downloaden (HTML)",
    },
    "report.no_browser": {
        "en": "The report draws its charts with Chromium or Google Chrome, which this machine "
        "lacks; install one (Debian and Ubuntu: `sudo apt install chromium`) and reload.",
        "nl": "Het rapport tekent zijn grafieken met Chromium of Google Chrome, en die ontbreekt "
        "op deze computer; installeer er één (Debian en Ubuntu: `sudo apt install chromium`) en "
        "laad de pagina opnieuw.",
    },
    # -- diary ---------------------------------------------------------------------------------
    "diary.title": {"en": "Diary", "nl": "Dagboek"},
    "diary.intro": {
        "en": "Write down pain and how the day went; the Progress page lays pain over your load.",
        "nl": "Noteer pijn en hoe de dag ging; de Voortgangspagina legt pijn naast je belasting.",
    },
    "diary.day": {"en": "Day", "nl": "Dag"},
    "diary.stress_recorded": {"en": "Record stress", "nl": "Stress noteren"},
    "diary.save": {"en": "Save entry", "nl": "Notitie opslaan"},
    "diary.saved": {"en": "Saved the entry for {day}.", "nl": "Notitie voor {day} opgeslagen."},
    "diary.entries": {"en": "Entries", "nl": "Notities"},
    "diary.none": {"en": "No entries yet.", "nl": "Nog geen notities."},
    "diary.edit": {"en": "Edit or delete", "nl": "Bewerken of verwijderen"},
    "diary.delete": {"en": "Delete entry", "nl": "Notitie verwijderen"},
    "diary.deleted": {
        "en": "Deleted the entry for {day}.",
        "nl": "Notitie voor {day} verwijderd.",
    },
    # -- settings ------------------------------------------------------------------------------
    "settings.title": {"en": "Settings & data", "nl": "Instellingen & gegevens"},
    "settings.sensor": {"en": "Sensor and placement", "nl": "Sensor en plaatsing"},
    "settings.sensor_name": {"en": "Sensor name or address", "nl": "Sensornaam of -adres"},
    "settings.placement": {"en": "Placement", "nl": "Plaatsing"},
    "placement.lower_back": {"en": "Lower back", "nl": "Onderrug"},
    "placement.waist": {"en": "Waist", "nl": "Taille"},
    "placement.upper_back": {"en": "Upper back", "nl": "Bovenrug"},
    "placement.chest": {"en": "Chest", "nl": "Borst"},
    "settings.calibration": {"en": "Calibration", "nl": "Kalibratie"},
    "settings.cal_guided": {
        "en": "Guided calibration in use.",
        "nl": "Begeleide kalibratie in gebruik.",
    },
    "settings.cal_saved": {
        "en": "Guided calibration in use, saved {when}.",
        "nl": "Begeleide kalibratie in gebruik, opgeslagen op {when}.",
    },
    "settings.cal_up": {
        "en": "Upright: the sensor's {axis} axis points up ({off:.0f}° off).",
        "nl": "Rechtop: de {axis}-as van de sensor wijst omhoog ({off:.0f}° ernaast).",
    },
    "settings.cal_forward": {
        "en": "Forward: the sensor's {axis} axis points forward ({off:.0f}° off).",
        "nl": "Voorover: de {axis}-as van de sensor wijst naar voren ({off:.0f}° ernaast).",
    },
    "settings.cal_again": {
        "en": "Calibrate again with `backcoach calibrate` whenever you re-attach the sensor.",
        "nl": "Kalibreer opnieuw met `backcoach calibrate` telkens als je de sensor opnieuw "
        "bevestigt.",
    },
    "settings.cal_unreadable": {
        "en": "The saved calibration cannot be read; run `backcoach calibrate` again.",
        "nl": "De opgeslagen kalibratie is onleesbaar; voer `backcoach calibrate` opnieuw uit.",
    },
    "settings.not_calibrated": {
        "en": "Not calibrated: the upright posture is found automatically from the data "
        "(the first walk), and then kept for the sensor's next session.",
        "nl": "Niet gekalibreerd: de rechtop-houding wordt automatisch uit de gegevens bepaald "
        "(de eerste wandeling) en daarna bewaard voor de volgende sessie van de sensor.",
    },
    "settings.references": {
        "en": "Upright and forward kept per sensor (sensor axes); each session starts from them "
        "and checks them against the first walk.",
        "nl": "Rechtop en voorwaarts, per sensor bewaard (sensorassen); elke sessie begint "
        "ermee en toetst ze aan de eerste wandeling.",
    },
    "ref.any_sensor": {"en": "any sensor", "nl": "elke sensor"},
    "ref.walking": {"en": "walking", "nl": "lopen"},
    "ref.calibrate": {"en": "calibration", "nl": "kalibratie"},
    "settings.rules": {"en": "Rule thresholds", "nl": "Drempels van de regels"},
    "settings.warnings": {"en": "Warnings", "nl": "Waarschuwingen"},
    "settings.warnings_enabled": {"en": "Warnings on", "nl": "Waarschuwingen aan"},
    "settings.cooldown": {"en": "Cooldown per rule (min)", "nl": "Wachttijd per regel (min)"},
    "settings.quiet_start": {"en": "Quiet from (HH:MM)", "nl": "Stil vanaf (UU:MM)"},
    "settings.quiet_end": {"en": "Quiet until (HH:MM)", "nl": "Stil tot (UU:MM)"},
    "settings.desktop": {"en": "Desktop notifications", "nl": "Bureaubladmeldingen"},
    "settings.buzz": {"en": "Sensor vibration", "nl": "Sensortrilling"},
    "settings.channels": {
        "en": "Notification channels (edit them in the settings file): {channels}",
        "nl": "Meldingskanalen (te wijzigen in het instellingenbestand): {channels}",
    },
    "settings.no_channels": {"en": "none", "nl": "geen"},
    "settings.save": {"en": "Save settings", "nl": "Instellingen opslaan"},
    "settings.saved": {
        "en": "Saved to {file}. A running recording (`backcoach collect`) uses the change "
        "from its next start.",
        "nl": "Opgeslagen in {file}. Een lopende opname (`backcoach collect`) gebruikt de "
        "wijziging vanaf de volgende start.",
    },
    "settings.invalid": {"en": "Not saved: {error}", "nl": "Niet opgeslagen: {error}"},
    "settings.export": {"en": "Export all data", "nl": "Alle gegevens exporteren"},
    "settings.export_csv": {"en": "Download CSV (zip)", "nl": "CSV downloaden (zip)"},
    "settings.export_parquet": {
        "en": "Download Parquet (zip)",
        "nl": "Parquet downloaden (zip)",
    },
    "settings.delete": {"en": "Delete a date range", "nl": "Een periode verwijderen"},
    "settings.delete_range": {"en": "From – to (inclusive)", "nl": "Van – tot en met"},
    "settings.delete_confirm": {
        "en": "I understand that this permanently deletes the recordings in this range.",
        "nl": "Ik begrijp dat dit de opnames in deze periode definitief verwijdert.",
    },
    "settings.delete_button": {"en": "Delete", "nl": "Verwijderen"},
    "settings.deleted": {"en": "Deleted {n} rows.", "nl": "{n} rijen verwijderd."},
    "settings.data_range": {
        "en": "Recordings from {first} to {last}.",
        "nl": "Opnames van {first} tot {last}.",
    },
    # -- units / misc --------------------------------------------------------------------------
    "unit.h": {"en": "{v:.1f} h", "nl": "{v:.1f} u"},
    "unit.min": {"en": "{v:.0f} min", "nl": "{v:.0f} min"},
    "unit.s": {"en": "{v:.0f} s", "nl": "{v:.0f} s"},
    "unit.deg": {"en": "{v:.0f}°", "nl": "{v:.0f}°"},
    "unit.pct": {"en": "{v:.0f}%", "nl": "{v:.0f}%"},
    "unit.n": {"en": "{v:,.0f}", "nl": "{v:,.0f}"},  # 15,342 steps; 15.342 in Dutch
    "unit.ratio": {"en": "{v:.2f}", "nl": "{v:.2f}"},
    "unit.per_h": {"en": "{v:.1f} /h", "nl": "{v:.1f} /u"},
}

# -- guidance rules G1-G12: title, advice, target wording, and what to try next ----------------
RULES: dict[str, dict[str, dict[str, str]]] = {
    "G1": {
        "title": {"en": "Break up sitting", "nl": "Onderbreek het zitten"},
        "advice": {
            "en": "Sitting for a long stretch without a pause loads the back. Stand up or walk "
            "for a minute regularly.",
            "nl": "Lang achter elkaar zitten zonder pauze belast de rug. Sta geregeld een minuut "
            "op of loop even.",
        },
        "target": {
            "en": "No bout over {sitting_bout_max_min:.0f} min; "
            "{breaks_per_sitting_hour_min:g}+ breaks per sitting hour",
            "nl": "Geen periode langer dan {sitting_bout_max_min:.0f} min; "
            "{breaks_per_sitting_hour_min:g}+ pauzes per zituur",
        },
        "next": {
            "en": "Set a half-hour reminder and stand for each phone call.",
            "nl": "Zet een herinnering per half uur en sta op bij elk telefoongesprek.",
        },
    },
    "G2": {
        "title": {"en": "Change posture often", "nl": "Wissel vaak van houding"},
        "advice": {
            "en": "Staying in one position, however good, tires the muscles. Vary often.",
            "nl": "Lang in één houding blijven, hoe goed ook, vermoeit de spieren. Wissel vaak.",
        },
        "target": {
            "en": "Longest static posture under {static_posture_max_min:.0f} min",
            "nl": "Langste stilstaande houding korter dan {static_posture_max_min:.0f} min",
        },
        "next": {
            "en": "Alternate sitting and standing work, or fetch water each half hour.",
            "nl": "Wissel zittend en staand werk af, of haal elk half uur water.",
        },
    },
    "G3": {
        "title": {"en": "Lift with your legs", "nl": "Til met je benen"},
        "advice": {
            "en": "Bend the knees and keep the back fairly upright when you pick something up, "
            "so the legs do the work.",
            "nl": "Buig door de knieën en houd de rug vrij rechtop als je iets optilt, zodat de "
            "benen het werk doen.",
        },
        "target": {
            "en": "At least {leg_lift_share_min_pct:.0f}% of lifts with the legs",
            "nl": "Minstens {leg_lift_share_min_pct:.0f}% van het tillen met de benen",
        },
        "next": {
            "en": "Before each lift, put one foot forward and squat down close to the load.",
            "nl": "Zet voor het tillen één voet naar voren en zak dicht bij de last door je "
            "knieën.",
        },
    },
    "G4": {
        "title": {"en": "Limit deep bending", "nl": "Beperk diep voorover buigen"},
        "advice": {
            "en": "Bending far forward again and again, or holding a bend, strains the back.",
            "nl": "Steeds weer ver voorover buigen, of gebogen blijven staan, belast de rug.",
        },
        "target": {
            "en": "Over {deep_bend_deg:.0f}° less than {over60_share_max_pct:g}% of upright time",
            "nl": "Boven {deep_bend_deg:.0f}° minder dan {over60_share_max_pct:g}% van de "
            "tijd rechtop",
        },
        "next": {
            "en": "Raise low work to hip height, or kneel instead of bending.",
            "nl": "Breng laag werk naar heuphoogte, of kniel in plaats van te bukken.",
        },
    },
    "G5": {
        "title": {"en": "Alternate activity and rest", "nl": "Wissel activiteit en rust af"},
        "advice": {
            "en": "Complete rest feels safe but slows recovery. Spread light activity over the "
            "day.",
            "nl": "Volledige rust voelt veilig maar vertraagt herstel. Spreid lichte activiteit "
            "over de dag.",
        },
        "target": {
            "en": "No inactive stretch over {inactive_max_min:.0f} min while awake",
            "nl": "Geen inactieve periode langer dan {inactive_max_min:.0f} min als je wakker bent",
        },
        "next": {
            "en": "After each hour of rest, move for five minutes.",
            "nl": "Beweeg na elk uur rust vijf minuten.",
        },
    },
    "G6": {
        "title": {"en": "Walk and move lightly", "nl": "Wandel en beweeg licht"},
        "advice": {
            "en": "A calm walk, stretching and stability exercises help the back recover.",
            "nl": "Een rustige wandeling, rekken en stabiliteitsoefeningen helpen de rug "
            "herstellen.",
        },
        "target": {
            "en": "{walking_plan_min:.0f} walking minutes a day (your plan)",
            "nl": "{walking_plan_min:.0f} wandelminuten per dag (je plan)",
        },
        "next": {
            "en": "Add a ten-minute walk after lunch.",
            "nl": "Voeg na de lunch een wandeling van tien minuten toe.",
        },
    },
    "G7": {
        "title": {"en": "Build up slowly", "nl": "Bouw langzaam op"},
        "advice": {
            "en": "Increase the load step by step and take pain signals seriously, so the "
            "complaints do not come back.",
            "nl": "Verhoog de belasting stap voor stap en neem pijnsignalen serieus, zodat de "
            "klachten niet terugkomen.",
        },
        "target": {
            "en": "Acute:chronic ratio {acwr_low:.1f}–{acwr_high:.1f}; never over {acwr_spike:.1f}",
            "nl": "Acuut:chronisch-ratio {acwr_low:.1f}–{acwr_high:.1f}; nooit boven "
            "{acwr_spike:.1f}",
        },
        "next": {
            "en": "Grow weekly activity by about a tenth, no more.",
            "nl": "Laat je wekelijkse activiteit met ongeveer een tiende groeien, niet meer.",
        },
    },
    "G8": {
        "title": {"en": "Listen to your body", "nl": "Luister naar je lichaam"},
        "advice": {
            "en": "Recovery comes gradually. Note your pain each day and compare it with your "
            "load.",
            "nl": "Herstel gaat geleidelijk. Noteer elke dag je pijn en vergelijk die met je "
            "belasting.",
        },
        "target": {
            "en": "Pain steady or falling over the week",
            "nl": "Pijn gelijk of dalend over de week",
        },
        "next": {
            "en": "Scale back the day after a high-load day if pain goes up.",
            "nl": "Doe het rustiger aan na een zware dag als de pijn toeneemt.",
        },
    },
    "G9": {
        "title": {"en": "Sleep to recover", "nl": "Slaap om te herstellen"},
        "advice": {
            "en": "Muscles recover during sleep. Give yourself enough hours in bed.",
            "nl": "Spieren herstellen tijdens de slaap. Gun jezelf genoeg uren in bed.",
        },
        "target": {
            "en": "{sleep_target_h:g}+ hours lying at night",
            "nl": "{sleep_target_h:g}+ uur liggen 's nachts",
        },
        "next": {
            "en": "Keep a fixed bedtime and put the screen away half an hour before.",
            "nl": "Houd een vaste bedtijd aan en leg het scherm een half uur ervoor weg.",
        },
    },
    "G10": {
        "title": {"en": "Set up your workplace", "nl": "Richt je werkplek in"},
        "advice": {
            "en": "An adjustable chair, support for the lower back and a screen at eye height "
            "keep you from leaning forward.",
            "nl": "Een verstelbare stoel, steun in de onderrug en een scherm op ooghoogte "
            "voorkomen dat je voorover leunt.",
        },
        "target": {
            "en": "Leaning over {slumped_deg:.0f}° less than {slumped_share_max_pct:.0f}% of "
            "sitting",
            "nl": "Voorover leunen boven {slumped_deg:.0f}° minder dan "
            "{slumped_share_max_pct:.0f}% van het zitten",
        },
        "next": {
            "en": "Raise the screen and sit back against the backrest.",
            "nl": "Zet het scherm hoger en leun tegen de rugleuning.",
        },
    },
    "G11": {
        "title": {"en": "Support from lifestyle", "nl": "Steun uit je leefstijl"},
        "advice": {
            "en": "Enough protein and water, less stress and planned rest moments help the "
            "muscles recover.",
            "nl": "Genoeg eiwit en water, minder stress en geplande rustmomenten helpen de "
            "spieren herstellen.",
        },
        "target": {
            "en": "Tick water and planned breaks in the diary",
            "nl": "Vink water en geplande pauzes aan in het dagboek",
        },
        "next": {
            "en": "Keep a bottle of water on the desk and plan two rest moments.",
            "nl": "Zet een fles water op je bureau en plan twee rustmomenten.",
        },
    },
    "G12": {
        "title": {"en": "Grow stronger", "nl": "Word sterker"},
        "advice": {
            "en": "Every deliberate choice adds up; in time pain makes room for resilience.",
            "nl": "Elke bewuste keuze telt op; na verloop van tijd maakt pijn plaats voor "
            "veerkracht.",
        },
        "target": {
            "en": "Something better than last week",
            "nl": "Iets beter dan vorige week",
        },
        "next": {
            "en": "Pick one figure from the Progress page to improve this week.",
            "nl": "Kies één cijfer op de Voortgangspagina om deze week te verbeteren.",
        },
    },
}


STRINGS.update(PRACTICE_STRINGS)
STRINGS.update(PLAN_STRINGS)


class _DecimalComma(string.Formatter):
    """Fills placeholders the Dutch way: a decimal comma in numbers (1,5 u), and a point
    between thousands where the format asks for them (15.342), nowhere else."""

    def format_field(self, value: object, format_spec: str) -> str:
        out = super().format_field(value, format_spec)
        return out.translate(_DUTCH_MARKS) if isinstance(value, (int, float)) else out


_DUTCH_MARKS = str.maketrans({".": ",", ",": "."})


_FORMATTERS: Mapping[str, string.Formatter] = {"nl": _DecimalComma()}


def _fill(text: str, lang: str, values: Mapping[str, object]) -> str:
    if not values:
        return text
    formatter = _FORMATTERS.get(lang)
    return formatter.vformat(text, (), values) if formatter else text.format(**values)


def t(key: str, lang: str, **values: object) -> str:
    """The text for `key` in `lang` (falls back to English), with `{placeholders}` filled."""
    entry = STRINGS[key]
    return _fill(entry.get(lang) or entry["en"], lang, values)


def collector_state(state: str, lang: str) -> str:
    """The collector's state (`collector.state`) in words; an unknown state as it came."""
    key = f"live.state.{state}"
    return t(key, lang) if key in STRINGS else state


def rule_text(rule: str, part: str, lang: str, **values: object) -> str:
    """One part (title, advice, target, next) of a guidance rule's wording."""
    entry = RULES[rule][part]
    return _fill(entry.get(lang) or entry["en"], lang, values)


def plotly_separators(lang: str) -> str:
    """Plotly's `separators` (decimal, thousands) for the language."""
    return ",." if lang == "nl" else ".,"


def default_language(setting: str = "auto", env: Mapping[str, str] | None = None) -> str:
    """The language to start in: the setting unless 'auto', else Dutch for a Dutch locale."""
    if setting in LANGS:
        return setting
    env = os.environ if env is None else env
    for var in ("LC_ALL", "LC_MESSAGES", "LANGUAGE", "LANG"):
        value = env.get(var, "")
        if value:
            return "nl" if value.lower().startswith("nl") else "en"
    try:
        code = locale.getlocale()[0] or ""
    except ValueError:
        code = ""
    return "nl" if code.lower().startswith("nl") else "en"
