import type { FastifyReply, FastifyRequest } from 'fastify';
import type { UserRole } from '#src/db/schema/index.ts';
import { escapeHtml } from '#src/lib/html.ts';
import { safeEqual } from '#src/modules/accounts/index.ts';
import { translator } from '../i18n/index.ts';
import { isHtmx, languageOf, render, wantsData } from '../view.ts';
import { loadSession, SESSION_COOKIE, type SignedIn } from './sessions.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in back-office user and session; null on public routes and before the guard ran. */
    admin: SignedIn | null;
  }
  interface FastifyContextConfig {
    /** Roles that may use a back-office route (from roles.ts); a route without it is refused to everyone. */
    roles?: readonly UserRole[];
    /** Reachable without signing in (the login page, static assets). */
    public?: boolean;
    /** A state-changing public route that checks its own pre-session token (the login form). */
    ownCsrf?: boolean;
  }
}

const unsafeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; " +
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
} as const;

export function loginUrl(next?: string): string {
  return next ? `/admin/login?next=${encodeURIComponent(next)}` : '/admin/login';
}

/** Where an htmx caller was, so that signing in again brings the user back to that page. */
function htmxPage(request: FastifyRequest): string | undefined {
  const current = request.headers['hx-current-url'];
  if (typeof current !== 'string') return undefined;
  try {
    const url = new URL(current);
    return url.pathname.startsWith('/admin') ? url.pathname + url.search : undefined;
  } catch {
    return undefined;
  }
}

async function unauthenticated(request: FastifyRequest, reply: FastifyReply) {
  const t = translator(languageOf(request));
  if (request.method === 'GET' && !isHtmx(request) && !wantsData(request)) {
    return reply.redirect(loginUrl(request.url), 302);
  }
  if (isHtmx(request)) {
    // htmx swaps error bodies too; this header makes it load the login page instead.
    return reply.code(401).header('hx-redirect', loginUrl(htmxPage(request))).type('text/plain; charset=utf-8').send(t('error.unauthorized'));
  }
  if (wantsData(request) || request.method !== 'POST') {
    return reply.code(401).send({ error: { code: 'UNAUTHORIZED', message: t('error.unauthorized') } });
  }
  return render(request, reply, 'error', { title: t('error.unauthorized'), message: t('login.expired'), signIn: true }, 401);
}

export async function refuse(request: FastifyRequest, reply: FastifyReply, kind: 'forbidden' | 'csrf') {
  const t = translator(languageOf(request));
  const message =
    kind === 'csrf' ? t('error.csrf') : t('error.forbidden', { role: request.admin ? t(`role.${request.admin.user.role}`) : '' });
  if (wantsData(request)) return reply.code(403).send({ error: { code: kind === 'csrf' ? 'BAD_CSRF_TOKEN' : 'FORBIDDEN', message } });
  if (isHtmx(request)) return reply.code(403).type('text/html; charset=utf-8').send(`<p class="alert alert-error" role="alert">${escapeHtml(message)}</p>`);
  return render(request, reply, 'error', { title: t(kind === 'csrf' ? 'error.title' : 'error.forbidden.title'), message }, 403);
}

/**
 * The one gate of the back office, before the body is read: who is calling, and may their role use
 * this route. Every route is closed unless it says `public` or lists the roles it allows.
 */
export async function authenticate(request: FastifyRequest, reply: FastifyReply) {
  reply.headers(SECURITY_HEADERS);
  const config = request.routeOptions.config;
  if (config.public) return;
  reply.header('cache-control', 'no-store');
  const token = request.cookies[SESSION_COOKIE];
  const signedIn = token ? await loadSession(request.server.deps.db, token) : undefined;
  if (!signedIn) return unauthenticated(request, reply);
  request.admin = signedIn;
  if (request.is404) return;
  if (!config.roles?.includes(signedIn.user.role)) return refuse(request, reply, 'forbidden');
}

/** Every state-changing request must carry the session's CSRF token, as `_csrf` in the form or the x-csrf-token header. */
export async function checkCsrf(request: FastifyRequest, reply: FastifyReply) {
  if (!unsafeMethods.has(request.method) || request.routeOptions.config.ownCsrf) return;
  const expected = request.admin?.session.csrfToken;
  const sent = sentCsrf(request);
  if (!expected || !sent || !safeEqual(sent, expected)) return refuse(request, reply, 'csrf');
}

export function sentCsrf(request: FastifyRequest): string | undefined {
  const header = request.headers['x-csrf-token'];
  if (typeof header === 'string') return header;
  const field = (request.body as Record<string, unknown> | null | undefined)?._csrf;
  return typeof field === 'string' ? field : undefined;
}
