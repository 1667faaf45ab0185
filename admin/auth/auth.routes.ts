import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { withTransaction } from '#src/db/client.ts';
import { hashPassword, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, passwordNeedsRehash, passwordProblem, rehashPassword, safeEqual, verifyPassword } from '#src/modules/accounts/index.ts';
import { setUserLanguage, setUserPassword } from '#src/modules/accounts/index.ts';
import { writeAudit } from '../audit.ts';
import { formValues, parseForm, text } from '../forms.ts';
import { formatters, translator, type Lang } from '../i18n/index.ts';
import { findUserByEmail, isDeactivated } from '../queries/users.ts';
import { helpers, LANG_COOKIE, languageOf, render, safeNext } from '../view.ts';
import { allowed } from './roles.ts';
import { createSession, destroySession, destroySessionsOf, loadSession, newToken, SESSION_COOKIE } from './sessions.ts';
import { beginAttempt, forgetAttempt, latestLock, markSucceeded, signedInFrom, throttleKeys } from './throttle.ts';

/** The login form's token, before there is a session to hold one: the cookie and the form must agree. */
const LOGIN_CSRF_COOKIE = 'talad_admin_login';

const loginBody = z.object({
  email: text(200),
  password: text(500),
  next: z.string().optional(),
  _csrf: z.string().optional(),
});

/** Every password set in the back office: MIN_PASSWORD_LENGTH and not a common one (password-policy.ts). */
export const passwordSchema = z
  .string()
  .min(MIN_PASSWORD_LENGTH)
  .max(MAX_PASSWORD_LENGTH)
  .refine((p) => passwordProblem(p) !== 'field.passwordCommon', { message: 'field.passwordCommon' });

const passwordBody = z
  .object({ current: text(500), next: passwordSchema, confirm: z.string() })
  .refine((b) => b.next === b.confirm, { message: 'field.passwordMismatch', path: ['confirm'] });

const languageBody = z.object({ language: z.enum(['th', 'en']), next: z.string().optional() });

export const authRoutes: FastifyPluginAsync = async (app) => {
  const { db, config } = app.deps;
  const secure = config.publicUrl.startsWith('https://');
  const cookieBase = { httpOnly: true, sameSite: 'lax' as const, secure, path: '/admin' };
  let dummyHash: Promise<string> | undefined;

  function loginToken(request: FastifyRequest, reply: FastifyReply): string {
    const existing = request.cookies[LOGIN_CSRF_COOKIE];
    if (existing && /^[A-Za-z0-9_-]{40,}$/.test(existing)) return existing;
    const token = newToken();
    reply.setCookie(LOGIN_CSRF_COOKIE, token, cookieBase);
    return token;
  }

  function showLogin(
    request: FastifyRequest,
    reply: FastifyReply,
    data: { next: string; error?: string; email?: string; notice?: string },
    status = 200,
  ) {
    return render(request, reply, 'login', { csrf: loginToken(request, reply), ...data }, status);
  }

  app.get('/login', { config: { public: true } }, async (request, reply) => {
    const query = request.query as { next?: string; lang?: string; out?: string };
    reply.header('cache-control', 'no-store');
    if (query.lang === 'th' || query.lang === 'en') {
      reply.setCookie(LANG_COOKIE, query.lang, { ...cookieBase, maxAge: 365 * 24 * 3600 });
      request.cookies[LANG_COOKIE] = query.lang;
    }
    const next = safeNext(query.next);
    const token = request.cookies[SESSION_COOKIE];
    if (token && (await loadSession(db, token))) return reply.redirect(next, 303);
    const t = translator(languageOf(request));
    return showLogin(request, reply, { next, notice: query.out ? t('login.signedOut') : undefined });
  });

  app.post('/login', { config: { public: true, ownCsrf: true } }, async (request, reply) => {
    reply.header('cache-control', 'no-store');
    const lang = languageOf(request);
    const t = translator(lang);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const next = safeNext(body.next);
    const cookieToken = request.cookies[LOGIN_CSRF_COOKIE];
    if (typeof body._csrf !== 'string' || !cookieToken || !safeEqual(body._csrf, cookieToken)) {
      return render(request, reply, 'error', { title: t('error.title'), message: t('error.csrf') }, 403);
    }
    const parsed = parseForm(loginBody, body, t);
    if (!parsed.ok) return showLogin(request, reply, { next, error: t('login.failed'), email: formValues(body).email }, 400);
    const email = parsed.data.email.toLowerCase();

    const user = await findUserByEmail(db, email);
    const keys = throttleKeys(email, request.ip, user ? await signedInFrom(db, user.id, request.ip) : false);
    const attempt = await beginAttempt(db, keys);
    const lockedBefore = await latestLock(db, keys, attempt, 'before');
    if (lockedBefore) {
      await forgetAttempt(db, attempt);
      request.log.warn({ key: 'login-locked' }, 'sign-in refused: locked out');
      return showLogin(request, reply, { next, email, error: lockMessage(lang, lockedBefore) }, 429);
    }

    // Without a user the password is still checked against a throwaway hash, so the answer takes as
    // long as for a real account and does not tell which emails exist.
    dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
    const ok = await verifyPassword(user?.passwordHash ?? (await dummyHash), parsed.data.password);
    // A switched-off account gets the answer of a wrong password: the page never tells that the password was right.
    if (!user || !ok || (await isDeactivated(db, user.id))) {
      const lockedNow = await latestLock(db, keys, attempt, 'through');
      if (lockedNow) return showLogin(request, reply, { next, email, error: lockMessage(lang, lockedNow) }, 429);
      return showLogin(request, reply, { next, email, error: t('login.failed') }, 401);
    }
    await markSucceeded(db, attempt);
    if (passwordNeedsRehash(user.passwordHash)) await rehashPassword(db, user, parsed.data.password);
    const { token } = await withTransaction(db, async (tx) => {
      const created = await createSession(tx, user.id);
      await writeAudit(tx, user, { action: 'session.login', target: `user:${user.id}`, details: { ip: request.ip } });
      return created;
    });
    reply.setCookie(SESSION_COOKIE, token, cookieBase);
    reply.clearCookie(LOGIN_CSRF_COOKIE, cookieBase);
    return reply.redirect(next, 303);
  });

  app.post('/logout', { config: { roles: allowed('account.self') } }, async (request, reply) => {
    const { session, user } = request.admin!;
    await withTransaction(db, async (tx) => {
      await destroySession(tx, session.id);
      await writeAudit(tx, user, { action: 'session.logout', target: `user:${user.id}` });
    });
    reply.clearCookie(SESSION_COOKIE, cookieBase);
    return reply.redirect('/admin/login?out=1', 303);
  });

  app.get('/account', { config: { roles: allowed('account.self') } }, async (request, reply) =>
    render(request, reply, 'account', { errors: {}, values: {} }),
  );

  app.post('/account/password', { config: { roles: allowed('account.self') } }, async (request, reply) => {
    const { user, session } = request.admin!;
    const { t } = helpers(request);
    const parsed = parseForm(passwordBody, request.body, t);
    if (!parsed.ok) return render(request, reply, 'account', { errors: parsed.errors, values: {} }, 400);
    // The current password is throttled like a sign-in: a stolen session cannot guess it at speed.
    const keys = [`password-change:user:${user.id}`];
    const attempt = await beginAttempt(db, keys);
    const locked = await latestLock(db, keys, attempt, 'before');
    if (locked) {
      await forgetAttempt(db, attempt);
      return render(request, reply, 'account', { errors: { current: lockMessage(helpers(request).lang as Lang, locked) }, values: {} }, 429);
    }
    if (!(await verifyPassword(user.passwordHash, parsed.data.current))) {
      return render(request, reply, 'account', { errors: { current: t('field.currentPassword') }, values: {} }, 400);
    }
    await markSucceeded(db, attempt);
    await withTransaction(db, async (tx) => {
      await setUserPassword(tx, user.id, parsed.data.next);
      // A changed password is often a reaction to a lost phone: every other session ends.
      await destroySessionsOf(tx, user.id, session.id);
      await writeAudit(tx, user, { action: 'account.password', target: `user:${user.id}` });
    });
    return reply.redirect('/admin/account?done=password', 303);
  });

  app.post('/account/language', { config: { roles: allowed('account.self') } }, async (request, reply) => {
    const { user } = request.admin!;
    const parsed = languageBody.safeParse(request.body);
    if (!parsed.success) return reply.redirect('/admin/account', 303);
    await withTransaction(db, async (tx) => {
      await setUserLanguage(tx, user.id, parsed.data.language);
      await writeAudit(tx, user, { action: 'account.language', target: `user:${user.id}`, details: { language: parsed.data.language } });
    });
    return reply.redirect(safeNext(parsed.data.next), 303);
  });

  function lockMessage(lang: Lang, until: Date): string {
    return translator(lang)('login.locked', { time: formatters(lang, config.shop.timeZone).time(until) });
  }
};
