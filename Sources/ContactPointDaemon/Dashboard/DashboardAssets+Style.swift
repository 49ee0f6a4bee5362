extension DashboardAssets {
    /// The style sheet. Colours meet WCAG AA contrast (4.5:1 for text) on their backgrounds;
    /// the wall view scales type with the screen so a 4K wall reads at 3 m. Sides are logical
    /// (`inline-start`/`inline-end`, `text-align: start`), so the same rules lay the page out right
    /// to left when the session's language is (`dir="rtl"`, Arabic); codes, ids, references, times
    /// and countdowns are isolated so that they read the same in either direction.
    static let style = #"""
    :root { --fg: #111; --bg: #fff; --muted: #4a4a4a; --line: #c8c8c8; --accent: #0b4f9c;
            --late: #a4001d; --late-bg: #fde8eb; --warn: #7a4b00; --warn-bg: #fff4d6; --ok: #1d6b2f; --focus: #ffbf00; }
    * { box-sizing: border-box; }
    html { font-family: system-ui, "DejaVu Sans", "Noto Sans", sans-serif; font-size: 16px; color: var(--fg); background: var(--bg); }
    body { margin: 0; line-height: 1.45; }
    a { color: var(--accent); }
    :focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
    .skip { position: absolute; inset-inline-start: -10000px; top: 0; background: var(--fg); color: var(--bg); padding: .5rem; }
    .skip:focus { inset-inline-start: .5rem; z-index: 10; }
    .bar { display: flex; flex-wrap: wrap; align-items: center; gap: .75rem 1.25rem; padding: .5rem 1rem; background: #0d2238; color: #fff; }
    .bar a { color: #fff; text-decoration: none; padding: .25rem .4rem; border-radius: 3px; }
    .bar a[aria-current="page"] { background: #fff; color: #0d2238; font-weight: 600; }
    .brand { font-weight: 700; letter-spacing: .02em; }
    #who { margin-inline-start: auto; font-size: .9rem; }
    #lang-switch { display: inline-flex; align-items: center; gap: .4rem; font-size: .9rem; }
    #lang-switch[hidden] { display: none; }
    #lang-switch label { display: inline; font-weight: 400; font-size: .9rem; }
    #lang-switch select { padding: .1rem .3rem; }
    .status { padding: .2rem .6rem; border-radius: 3px; font-weight: 600; font-size: .9rem; }
    .status.live { background: #d9f2df; color: #0d4a1e; }
    .status.connecting, .status.reconnecting { background: #fff4d6; color: #5c3900; }
    .status.stale, .status.down { background: #a4001d; color: #fff; }
    #cue { padding: .75rem 1rem; background: var(--late); color: #fff; font-weight: 700; font-size: 1.1rem; }
    #cue button { margin-inline-start: 1rem; }
    #cue a.on-dark { color: #fff; }
    label.inline { display: inline; }
    main { padding: 1rem; max-width: 1600px; }
    h1 { font-size: 1.5rem; margin: .25rem 0 1rem; }
    h2 { font-size: 1.2rem; margin: 1.5rem 0 .5rem; }
    table { border-collapse: collapse; width: 100%; }
    th, td { text-align: start; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
    th { font-size: .85rem; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); }
    :lang(ar) th { letter-spacing: normal; }  /* spacing would break the joins of Arabic letters */
    /* Codes, ids, references, times, countdowns and badges keep their own direction inside a sentence. */
    .countdown, .badge, .time, .codes { unicode-bidi: isolate; }  /* an element with dir="…" is isolated by the browser */
    .codes { direction: ltr; }
    tr.overdue td { background: var(--late-bg); }
    .badge { display: inline-block; padding: 0 .4rem; border-radius: 3px; font-size: .85rem; font-weight: 700; border: 1px solid currentColor; }
    .badge.level { background: var(--late); color: #fff; border-color: var(--late); }
    .badge.emergency { color: var(--late); }
    .late { color: var(--late); font-weight: 700; }
    .soon { color: var(--warn); font-weight: 700; }
    .muted { color: var(--muted); }
    .filters, .actions, .row { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: end; margin-bottom: 1rem; }
    label { display: block; font-weight: 600; font-size: .92rem; }
    input, select, textarea, button { font: inherit; }
    input, select, textarea { border: 1px solid #767676; border-radius: 3px; padding: .3rem .4rem; background: #fff; color: var(--fg); max-width: 100%; }
    textarea { width: 100%; min-height: 4.5rem; }
    .field { margin: .5rem 0 .75rem; }
    .field input[type=text], .field input[type=email], .field select { min-width: 18rem; }
    .mandatory::after { content: " *"; color: var(--late); }
    .treaty { font-size: .8rem; color: var(--muted); font-weight: 400; }
    .error { color: var(--late); font-weight: 600; font-size: .9rem; margin: .2rem 0 0; }
    [aria-invalid="true"] { border-color: var(--late); border-width: 2px; }
    button { border: 1px solid #0b4f9c; background: #0b4f9c; color: #fff; padding: .35rem .8rem; border-radius: 3px; cursor: pointer; }
    button.secondary { background: #fff; color: #0b4f9c; }
    button:disabled { opacity: .6; cursor: wait; }
    fieldset { border: 1px solid var(--line); border-radius: 4px; margin: .75rem 0; padding: .5rem 1rem; }
    legend { font-weight: 700; padding: 0 .3rem; }
    dl.kv { display: grid; grid-template-columns: minmax(10rem, max-content) 1fr; gap: .25rem 1rem; margin: 0; }
    dl.kv dt { font-weight: 600; color: var(--muted); }
    dl.kv dd { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
    ol.timeline { list-style: none; padding: 0; border-inline-start: 3px solid var(--line); margin-inline-start: .5rem; }
    ol.timeline li { margin: 0 0 .75rem; padding-inline-start: 1rem; position: relative; }
    ol.timeline li::before { content: ""; position: absolute; inset-inline-start: -.55rem; top: .45rem; width: .7rem; height: .7rem; border-radius: 50%; background: var(--accent); }
    ol.timeline li.alert::before { background: var(--late); }
    .panel { border: 1px solid var(--line); border-radius: 4px; padding: .75rem 1rem; margin: .75rem 0; }
    .notice { background: var(--warn-bg); border: 1px solid var(--warn); padding: .5rem .75rem; border-radius: 4px; }
    .problems { background: var(--late-bg); border: 1px solid var(--late); padding: .5rem .75rem; border-radius: 4px; }
    ul.alerts { list-style: none; padding: 0; }
    ul.alerts li { border-bottom: 1px solid var(--line); padding: .4rem 0; }
    ul.alerts li.high { border-inline-start: 6px solid var(--late); padding-inline-start: .6rem; }
    .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 1rem; }
    /* The charts are drawn left to right in every language (their coordinates and text-anchor assume it). */
    svg { direction: ltr; }
    svg text { font-family: inherit; font-size: 12px; fill: var(--fg); unicode-bidi: isolate; }
    .tabs { display: flex; gap: .5rem; margin-bottom: 1rem; }
    .tabs button[aria-pressed="true"] { background: #0d2238; border-color: #0d2238; }
    .tabs button[aria-pressed="false"] { background: #fff; color: #0d2238; border-color: #0d2238; }
    .sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }

    /* Wall mode: large type, high contrast, nothing to click. */
    body.wall { background: #000; color: #fff; font-size: clamp(16px, 1.25vw, 56px); }
    body.wall .bar { background: #000; border-bottom: 2px solid #fff; }
    body.wall #nav, body.wall .skip, body.wall #lang-switch { display: none; }
    body.wall main { max-width: none; }
    body.wall h1 { font-size: 2em; }
    body.wall table { font-size: 1.2em; }
    body.wall td { white-space: nowrap; }
    body.wall td:first-child { white-space: normal; }
    body.wall th { color: #ddd; font-size: .6em; }
    body.wall td { border-bottom: 2px solid #444; padding: .3em .4em; }
    body.wall tr.overdue td { background: #7a0016; color: #fff; }
    body.wall .late { color: #fff; }
    body.wall tr:not(.overdue) .soon { color: #ffd36b; }
    body.wall .badge.level { background: #fff; color: #7a0016; border-color: #fff; font-size: .7em; vertical-align: middle; }
    body.wall .muted { color: #d0d0d0; }
    body.wall td .countdown { white-space: nowrap; }
    body.wall .counts { display: flex; gap: 2em; font-size: 1.6em; margin-bottom: .5em; }
    body.wall .counts .n { font-weight: 800; font-size: 1.6em; }
    body.wall .status { font-size: 1em; }
    """#
}
