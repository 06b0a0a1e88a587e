/** The admin pages' one stylesheet, served at /admin/style.css (the CSP allows styles from 'self' only). */
export const ADMIN_CSS = `
:root { color-scheme: light dark; --accent: #1d4ed8; --ok: #047857; --error: #b91c1c; --line: #d1d5db; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, sans-serif; }
header { display: flex; justify-content: space-between; align-items: center; padding: .75rem 1.5rem; border-bottom: 1px solid var(--line); }
header form { margin: 0; }
.brand { font-weight: 600; text-decoration: none; color: inherit; }
main { max-width: 44rem; padding: 1rem 1.5rem 3rem; }
.card { display: grid; gap: .35rem; padding: 1.25rem; border: 1px solid var(--line); border-radius: .5rem; }
label { font-weight: 600; margin-top: .5rem; }
.check { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin-top: .5rem; }
.check label { margin: 0; }
.check .error { flex-basis: 100%; }
input[type=password], input[type=text], input[type=url], select { font: inherit; padding: .45rem .6rem; border: 1px solid #6b7280; border-radius: .35rem; }
input[type=checkbox] { width: 1.15rem; height: 1.15rem; }
button { font: inherit; justify-self: start; margin-top: .75rem; padding: .5rem 1.1rem; border: 0; border-radius: .35rem; background: var(--accent); color: #fff; cursor: pointer; }
button:disabled { opacity: .5; cursor: not-allowed; }
button.link { margin: 0; padding: .25rem .5rem; background: none; color: var(--accent); text-decoration: underline; }
:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
.inline { display: flex; gap: .75rem; align-items: baseline; margin-top: 1rem; }
.hint { margin: 0; font-size: .875rem; color: #6b7280; }
.ok { color: var(--ok); font-weight: 600; }
.error { color: var(--error); margin: 0; }
.notice { padding: .5rem .75rem; border-left: 4px solid #f59e0b; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid var(--line); }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dt { font-weight: 600; }
dd { margin: 0; overflow-wrap: anywhere; }
`
