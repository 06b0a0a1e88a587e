/** The admin pages (`/admin`): sign-in with the admin token into a session cookie, then plain HTML forms. */
import { type Context, Hono, type MiddlewareHandler } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import { csrf } from 'hono/csrf'
import { html } from 'hono/html'
import type { JSX } from 'hono/jsx/jsx-runtime'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { secureHeaders } from 'hono/secure-headers'
import type { AppEnv } from '../context.ts'
import { limitBody } from '../middleware/body-limit.ts'
import { ADMIN_BODY_BYTES } from './api.ts'
import { csrfToken, newSession, SESSION_COOKIE, SESSION_SECONDS, tokenMatches, validSession } from './auth.ts'
import { changeFromForm, fieldErrors, formText, valuesFromForm, valuesOf } from './form.ts'
import type { AdminHttpOptions } from './routes.ts'
import { ADMIN_CSS } from './style.ts'
import { PaywallListPage, PaywallPage, type PaywallPageProps, SignInPage } from './views.tsx'

type PagesEnv = AppEnv & { Variables: AppEnv['Variables'] & { session: string; csrf: string } }

/** No script at all, styles only from /admin/style.css, no framing, forms only to this origin. */
const pageHeaders = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'none'"],
    styleSrc: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
  },
  xFrameOptions: 'DENY',
  referrerPolicy: 'no-referrer',
  crossOriginResourcePolicy: 'same-origin',
})

/** A whole page: the doctype keeps browsers out of quirks mode. */
function page(c: Context, body: JSX.Element, status: ContentfulStatusCode = 200, headers?: Record<string, string>): Response | Promise<Response> {
  return c.html(html`<!DOCTYPE html>${body}`, status, headers)
}

export function adminPages(options: AdminHttpOptions): Hono<PagesEnv> {
  const { admin, limit } = options
  const pages = new Hono<PagesEnv>()
  pages.use(pageHeaders)
  // Forms are posted from these pages only: the browser's Origin / Sec-Fetch-Site say so.
  pages.use(csrf())
  pages.use(limitBody(ADMIN_BODY_BYTES))

  pages.get('/style.css', (c) => c.body(ADMIN_CSS, 200, { 'Content-Type': 'text/css; charset=utf-8' }))

  /** The session, or the sign-in page; on POST, the form's CSRF token must be the session's. */
  const signedIn: MiddlewareHandler<PagesEnv> = async (c, next) => {
    const session = getCookie(c, SESSION_COOKIE)
    if (!session || !(await validSession(session, options.token(), options.now()))) {
      return page(c, <SignInPage />, c.req.method === 'GET' ? 200 : 401)
    }
    const token = await csrfToken(session, options.token())
    if (c.req.method === 'POST') {
      const form = await c.req.parseBody()
      if (typeof form._csrf !== 'string' || !(await tokenMatches(form._csrf, token))) {
        return c.text('Forbidden: the form is stale or came from elsewhere. Reload the page and try again.', 403)
      }
    }
    c.set('session', session)
    c.set('csrf', token)
    await next()
  }

  pages.post('/login', async (c) => {
    const address = options.clientAddress(c)
    const wait = limit.retryAfter(address)
    if (wait > 0) {
      return page(c, <SignInPage error={`Too many wrong tokens from this address: try again in ${wait} s.`} />, 429, { 'Retry-After': String(wait) })
    }
    const form = await c.req.parseBody()
    if (typeof form.token !== 'string' || !(await tokenMatches(form.token, options.token()))) {
      limit.fail(address)
      return page(c, <SignInPage error="Wrong admin token." />, 401)
    }
    limit.succeed(address)
    setCookie(c, SESSION_COOKIE, await newSession(options.token(), options.now()), {
      path: '/admin',
      httpOnly: true,
      sameSite: 'Strict',
      secure: servedOverHttps(c),
      maxAge: SESSION_SECONDS,
    })
    return c.redirect('/admin', 303)
  })

  pages.post('/logout', signedIn, (c) => {
    deleteCookie(c, SESSION_COOKIE, { path: '/admin', secure: servedOverHttps(c) })
    return c.redirect('/admin', 303)
  })

  pages.get('/', signedIn, (c) => page(c, <PaywallListPage paywalls={admin.list()} csrf={c.get('csrf')} />))

  const render = (c: Context<PagesEnv>, id: string, props: Partial<PaywallPageProps> = {}, status: ContentfulStatusCode = 200) => {
    const paywall = admin.get(id)
    if (!paywall) return c.text(`No paywall "${id}".`, 404)
    return page(c, <PaywallPage paywall={paywall} values={valuesOf(paywall)} csrf={c.get('csrf')} editable={admin.editable} {...props} />, status)
  }

  pages.get('/paywalls/:id', signedIn, (c) => render(c, c.req.param('id')))

  pages.post('/paywalls/:id', signedIn, async (c) => {
    const id = c.req.param('id')
    const form = await c.req.parseBody()
    const values = valuesFromForm(form)
    const saved = await admin.save(id, changeFromForm(values, formText(form, 'apiKey')))
    if (saved.ok) return render(c, id, { saved: true })
    // The user's values stay in the form, next to their errors (the key field stays empty: write-only).
    return render(c, id, { values, errors: { ...fieldErrors(saved.issues, values), message: saved.status === 400 ? undefined : saved.message } }, saved.status)
  })

  pages.post('/paywalls/:id/test-event', signedIn, async (c) => {
    const outcome = await admin.sendTestEvent(c.req.param('id'))
    return render(c, c.req.param('id'), { testEvent: outcome }, outcome.delivered ? 200 : outcome.status)
  })

  return pages
}

/** Secure cookies over https, also behind a TLS-terminating reverse proxy that says so. */
function servedOverHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https'
}
