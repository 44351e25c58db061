"""The plan's words (the plan card, each step's sentence), English and Dutch; `i18n.STRINGS`
takes them in, so `t()` and the words test cover them like every other. `plan_text` fills them.
"""

from __future__ import annotations

PLAN_STRINGS: dict[str, dict[str, str]] = {
    # -- items ---------------------------------------------------------------------------------
    "plan.item.walking": {"en": "Walking a day", "nl": "Wandelen per dag"},
    "plan.item.sitting": {"en": "Longest stretch of sitting", "nl": "Langste keer zitten"},
    "plan.item.breaks": {"en": "Breaks per sitting hour", "nl": "Pauzes per zituur"},
    "plan.item.legs": {"en": "Lifts with the legs", "nl": "Tillen met de benen"},
    "plan.item.over60": {"en": "Time bent over 60°", "nl": "Tijd verder dan 60° gebogen"},
    "plan.item.sleep": {"en": "Lying in bed at night", "nl": "'s Nachts in bed"},
    "plan.value.walking": {"en": "{v:g} min", "nl": "{v:g} min"},
    "plan.value.sitting": {"en": "{v:g} min", "nl": "{v:g} min"},
    "plan.value.breaks": {"en": "{v:g} /h", "nl": "{v:g} /u"},
    "plan.value.legs": {"en": "{v:g}%", "nl": "{v:g}%"},
    "plan.value.over60": {"en": "{v:g}%", "nl": "{v:g}%"},
    "plan.value.sleep": {"en": "{v:g} h", "nl": "{v:g} u"},
    # -- what to do (the quota), and what a week looked like ----------------------------------
    "plan.do.walking": {"en": "walk {q:g} minutes a day", "nl": "wandel {q:g} minuten per dag"},
    "plan.do.sitting": {
        "en": "sit at most {q:g} minutes at a stretch",
        "nl": "zit hoogstens {q:g} minuten achter elkaar",
    },
    "plan.do.breaks": {
        "en": "take a break {q:g} times per sitting hour",
        "nl": "neem {q:g} keer per zituur pauze",
    },
    "plan.do.legs": {
        "en": "lift with your legs at least {q:g}% of the time",
        "nl": "til minstens {q:g}% van de keren met je benen",
    },
    "plan.do.over60": {
        "en": "keep bending past 60° under {q:g}% of your time on your feet",
        "nl": "buig minder dan {q:g}% van je tijd op de been verder dan 60°",
    },
    "plan.do.sleep": {
        "en": "lie in bed {q:g} hours a night",
        "nl": "lig {q:g} uur per nacht in bed",
    },
    "plan.when.last": {"en": "last week", "nl": "vorige week"},
    "plan.when.first": {"en": "in your first weeks", "nl": "in je eerste weken"},
    "plan.saw.walking": {
        "en": "{when} you walked {v:g} minutes on a typical day",
        "nl": "{when} wandelde je op een gewone dag {v:g} minuten",
    },
    "plan.saw.sitting": {
        "en": "{when} your longest stretch was {v:g} minutes on a typical day",
        "nl": "{when} zat je op een gewone dag hoogstens {v:g} minuten achter elkaar",
    },
    "plan.saw.breaks": {
        "en": "{when} it was {v:g} times on a typical day",
        "nl": "{when} was dat op een gewone dag {v:g} keer",
    },
    "plan.saw.legs": {
        "en": "{when} {v:g}% of your lifts were with the legs",
        "nl": "{when} tilde je {v:g}% van de keren met je benen",
    },
    "plan.saw.over60": {
        "en": "{when} it was {v:g}% on a typical day",
        "nl": "{when} was dat op een gewone dag {v:g}%",
    },
    "plan.saw.sleep": {
        "en": "{when} you lay in bed {v:g} hours on a typical night",
        "nl": "{when} lag je op een gewone nacht {v:g} uur in bed",
    },
    "plan.saw.none": {
        "en": "{when} there was no figure for it yet",
        "nl": "{when} was daar nog geen meting van",
    },
    # -- one sentence per reason ---------------------------------------------------------------
    "plan.why.measuring": {
        "en": "Measuring your starting point: {days} of at least {need} days so far. Just go "
        "about your days as usual; your first steps follow from them.",
        "nl": "We meten je startpunt: {days} van minstens {need} dagen tot nu toe. Leef gewoon "
        "zoals je gewend bent; je eerste stappen volgen daaruit.",
    },
    "plan.why.start": {
        "en": "Your plan starts from your first {days} days: every first step below is one you "
        "already reached on most of them.",
        "nl": "Je plan begint bij je eerste {days} dagen: elke eerste stap hieronder haalde je "
        "al op de meeste daarvan.",
    },
    "plan.why.start_item": {
        "en": "{Do} — {saw}.",
        "nl": "{Do} — {saw}.",
    },
    "plan.why.step_on": {
        "en": "This week: {do} — {saw}, and you kept to the step on {met} of {days} days.",
        "nl": "Deze week: {do} — {saw}, en je hield je aan de stap op {met} van de {days} dagen.",
    },
    "plan.why.keep": {
        "en": "This week again: {do} — last week that worked on {met} of {days} days; two days "
        "in three take you to the next step.",
        "nl": "Deze week opnieuw: {do} — vorige week lukte dat op {met} van de {days} dagen; "
        "twee dagen op de drie brengen je naar de volgende stap.",
    },
    "plan.why.on_target": {
        "en": "Keep it up, you are at your goal in: {items}.",
        "nl": "Zo vasthouden, je zit op je doel bij: {items}.",
    },
    "plan.why.not_judged": {
        "en": "This week again: {do} — last week had too few figures to judge it.",
        "nl": "Deze week opnieuw: {do} — vorige week waren er te weinig metingen om het te "
        "beoordelen.",
    },
    "plan.why.back": {
        "en": "This week: {do}, one step back.",
        "nl": "Deze week: {do}, een stap terug.",
    },
    "plan.why.flare": {
        "en": "Your pain flared last week ({pain:g} against your usual {usual:g} out of 10), so "
        "the plan eases off one step; be kind to your back, and see your physiotherapist if "
        "the pain stays.",
        "nl": "Je pijn laaide vorige week op ({pain:g} tegen je gewone {usual:g} op 10), dus het "
        "plan doet een stap terug; wees zuinig op je rug, en ga naar je fysiotherapeut als de "
        "pijn blijft.",
    },
    "plan.why.flare_first": {
        "en": "Your pain flared last week ({pain:g} against your usual {usual:g} out of 10), so "
        "the plan stays at its first steps until it settles; see your physiotherapist if the "
        "pain stays.",
        "nl": "Je pijn laaide vorige week op ({pain:g} tegen je gewone {usual:g} op 10), dus het "
        "plan blijft bij de eerste stappen tot die zakt; ga naar je fysiotherapeut als de pijn "
        "blijft.",
    },
    "plan.why.settling": {
        "en": "Your pain is settling but not back yet ({pain:g}, usually {usual:g} out of 10), "
        "so the steps stay as they are this week.",
        "nl": "Je pijn zakt, maar is nog niet terug ({pain:g}, meestal {usual:g} op 10), dus de "
        "stappen blijven deze week zoals ze zijn.",
    },
    "plan.why.away": {
        "en": "Nothing was measured last week, so this week's steps stay as they were.",
        "nl": "Vorige week is er niets gemeten, dus de stappen blijven deze week zoals ze waren.",
    },
    "plan.why.away_back": {
        "en": "Two weeks without the sensor: the plan picks up one step lower, to build up "
        "gently again.",
        "nl": "Twee weken zonder sensor: het plan gaat een stap terug, om rustig weer op te "
        "bouwen.",
    },
    "plan.why.away_back_first": {
        "en": "Two weeks without the sensor: the plan picks up at its first steps.",
        "nl": "Twee weken zonder sensor: het plan pakt de draad op bij de eerste stappen.",
    },
    "plan.why.few_days": {
        "en": "Only {days} days were measured last week, too few to judge ({need} are needed), "
        "so the steps stay as they were.",
        "nl": "Vorige week zijn er maar {days} dagen gemeten, te weinig om te beoordelen (er "
        "zijn er {need} nodig), dus de stappen blijven zoals ze waren.",
    },
    "plan.why.hold_g8": {
        "en": "Your pain rose after heavy days last week (to {pain:g} out of 10, your back load "
        "up to {ratio:g} times your usual), so this week's steps stay as they were: give your "
        "back time to get used to it.",
        "nl": "Je pijn nam vorige week toe na zware dagen (tot {pain:g} op 10, je rugbelasting "
        "tot {ratio:g} keer je gewone), dus de stappen blijven deze week gelijk: geef je rug "
        "tijd om te wennen.",
    },
    "plan.why.hold_g7": {
        "en": "Your back load last week was {ratio:g} times your usual (steady is {low:g} to "
        "{high:g}), so this week's steps stay as they were.",
        "nl": "Je rugbelasting was vorige week {ratio:g} keer je gewone (rustig opbouwen is "
        "{low:g} tot {high:g}), dus de stappen blijven deze week gelijk.",
    },
    # -- the plan card -------------------------------------------------------------------------
    "plan.title": {"en": "Your plan", "nl": "Je plan"},
    "plan.week": {
        "en": "Plan week {n} · {week} · pace: {pace}",
        "nl": "Planweek {n} · {week} · tempo: {pace}",
    },
    "plan.measuring_week": {
        "en": "Starting point · {week}",
        "nl": "Startpunt · {week}",
    },
    "plan.pace.gentle": {"en": "gentle", "nl": "rustig"},
    "plan.pace.steady": {"en": "steady", "nl": "gestaag"},
    "plan.pace.brisk": {"en": "brisk", "nl": "vlot"},
    "plan.decision.measuring": {"en": "measuring", "nl": "meten"},
    "plan.decision.start": {"en": "first steps", "nl": "eerste stappen"},
    "plan.decision.step_on": {"en": "a step on", "nl": "een stap verder"},
    "plan.decision.keep": {"en": "same step", "nl": "zelfde stap"},
    "plan.decision.hold": {"en": "on hold", "nl": "even pas op de plaats"},
    "plan.decision.step_back": {"en": "a step back", "nl": "een stap terug"},
    "plan.col.item": {"en": "What", "nl": "Wat"},
    "plan.col.step": {"en": "This week's step", "nl": "Stap deze week"},
    "plan.col.target": {"en": "Final target", "nl": "Einddoel"},
    "plan.col.so_far": {"en": "So far (typical day)", "nl": "Tot nu toe (gewone dag)"},
    "plan.col.days": {"en": "Days on the step", "nl": "Dagen binnen de stap"},
    "plan.none": {
        "en": "No plan yet. A plan starts from your own baseline and moves the targets toward "
        "the guidance week by week, at a pace that pain and load decide. Start one on the "
        "Settings page, or with `backcoach plan set`.",
        "nl": "Nog geen plan. Een plan begint bij je eigen startpunt en schuift de doelen week "
        "na week op naar de richtlijn, in een tempo dat pijn en belasting bepalen. Begin er "
        "een op de pagina Instellingen, of met `backcoach plan set`.",
    },
    "plan.not_started": {
        "en": "Your plan starts on {day}.",
        "nl": "Je plan begint op {day}.",
    },
    "plan.adherence": {
        "en": "Kept to the step: {pct:.0f}% of the item-days so far.",
        "nl": "Binnen de stap: {pct:.0f}% van de dagen per onderdeel tot nu toe.",
    },
    "plan.adherence_week": {
        "en": "Kept to the step: {pct:.0f}% of the item-days this week.",
        "nl": "Binnen de stap: {pct:.0f}% van de dagen per onderdeel deze week.",
    },
    "plan.chart": {"en": "Your plan against your weeks", "nl": "Je plan tegen je weken"},
    "plan.chart_caption": {
        "en": "Each panel: your typical day per week (dots), the plan's step (line) and the final "
        "target (dashed).",
        "nl": "Per vak: je gewone dag per week (punten), de stap van het plan (lijn) en het "
        "einddoel (stippellijn).",
    },
    "plan.axis.percent": {"en": "Percent", "nl": "Procent"},
    "plan.legend.measured": {"en": "typical day", "nl": "gewone dag"},
    "plan.legend.step": {"en": "step", "nl": "stap"},
    "plan.legend.target": {"en": "final target", "nl": "einddoel"},
    "practice.col.plan": {"en": "Plan (week, step)", "nl": "Plan (week, stap)"},
    "practice.col.adherence": {"en": "Kept to the step", "nl": "Binnen de stap"},
    "practice.plan_week": {"en": "week {n} · {decision}", "nl": "week {n} · {decision}"},
    "plan.baseline_line": {
        "en": "Starting point {first} to {last} ({days} days), a typical day: {values}",
        "nl": "Startpunt {first} tot {last} ({days} dagen), een gewone dag: {values}",
    },
    "plan.form.title": {"en": "Your plan", "nl": "Je plan"},
    "plan.form.intro": {
        "en": "Your plan measures your starting point over the first one or two weeks, then "
        "moves each target a step a week toward the guidance, never past it. Pain and load "
        "set the pace. A physiotherapist can give you a plan file to import below.",
        "nl": "Je plan meet je startpunt in de eerste een of twee weken en schuift dan elk doel "
        "week na week een stap op naar de richtlijn, nooit verder. Pijn en belasting bepalen "
        "het tempo. Een fysiotherapeut kan je een planbestand geven om hieronder in te lezen.",
    },
    "plan.form.intro_practice": {
        "en": "Choose this wearer's start, pace and targets: the form makes a plan file for "
        "them to import (the practice reads, and never changes, a wearer's data).",
        "nl": "Kies start, tempo en doelen voor deze drager: het formulier maakt een "
        "planbestand dat de drager inleest (de praktijk leest de gegevens van een drager, en "
        "verandert ze nooit).",
    },
    "plan.form.current": {
        "en": "Current plan: baseline from {start} ({weeks} week(s)), pace {pace} since {since}.",
        "nl": "Huidig plan: startpunt vanaf {start} ({weeks} week/weken), tempo {pace} sinds "
        "{since}.",
    },
    "plan.form.start": {"en": "Baseline from", "nl": "Startpunt vanaf"},
    "plan.form.baseline_weeks": {"en": "Baseline weeks", "nl": "Weken voor het startpunt"},
    "plan.form.pace": {"en": "Pace", "nl": "Tempo"},
    "plan.form.targets": {
        "en": "Final targets (the guidance, or a gentler goal on the way to it):",
        "nl": "Einddoelen (de richtlijn, of een mildere tussenstap ernaartoe):",
    },
    "plan.form.target_label": {
        "en": "{item} (guidance {guidance})",
        "nl": "{item} (richtlijn {guidance})",
    },
    "plan.form.save": {"en": "Keep this plan", "nl": "Dit plan bewaren"},
    "plan.form.make_file": {"en": "Make the plan file", "nl": "Planbestand maken"},
    "plan.form.saved": {
        "en": "Plan kept. A new pace or target applies from this week; a new start measures a "
        "new baseline.",
        "nl": "Plan bewaard. Een nieuw tempo of doel geldt vanaf deze week; een nieuwe start "
        "meet een nieuw startpunt.",
    },
    "plan.form.file_made": {
        "en": "The plan file is ready: download it below and give it to the wearer.",
        "nl": "Het planbestand is klaar: download het hieronder en geef het aan de drager.",
    },
    "plan.form.export": {"en": "Download the plan file", "nl": "Planbestand downloaden"},
    "plan.form.import": {"en": "Import a plan file", "nl": "Planbestand inlezen"},
    "plan.form.import_button": {"en": "Import this plan", "nl": "Dit plan inlezen"},
    "plan.form.clear": {"en": "Stop the plan", "nl": "Plan stoppen"},
    "plan.form.cleared": {
        "en": "The plan is stopped: days are judged by the guidance again.",
        "nl": "Het plan is gestopt: dagen worden weer aan de richtlijn gemeten.",
    },
    "report.plan_why": {"en": "Why this week's step", "nl": "Waarom deze stap"},
    "report.plan_next": {
        "en": "What this week leads to next week",
        "nl": "Waar deze week volgende week toe leidt",
    },
    "plan.step_label": {"en": "This week's step", "nl": "Stap van deze week"},
    "plan.guidance_label": {"en": "Guidance target", "nl": "Doel van de richtlijn"},
}
