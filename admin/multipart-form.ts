import type { FastifyRequest } from 'fastify';
import { safeEqual } from '#src/modules/accounts/index.ts';

export interface MultipartForm {
  fields: Record<string, string>;
  /** The first non-empty file of the form. */
  file?: Buffer | undefined;
  /** The file was over the plugin's size limit. */
  tooLarge: boolean;
}

/** A form with one file (routes with `ownCsrf`): its fields and file, read whole; a urlencoded body gives its fields. */
export async function readMultipartForm(request: FastifyRequest): Promise<MultipartForm> {
  const form: MultipartForm = { fields: {}, tooLarge: false };
  if (!request.isMultipart()) {
    for (const [k, v] of Object.entries((request.body ?? {}) as Record<string, unknown>)) if (typeof v === 'string') form.fields[k] = v;
    return form;
  }
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        const bytes = await part.toBuffer();
        if (bytes.length > 0 && !form.file) form.file = bytes;
      } else if (typeof part.value === 'string') form.fields[part.fieldname] = part.value;
    }
  } catch (err) {
    if ((err as { code?: string }).code !== 'FST_REQ_FILE_TOO_LARGE') throw err;
    form.tooLarge = true;
  }
  return form;
}

/** The session's CSRF token, sent as the x-csrf-token header (htmx) or the form's `_csrf` field, once the fields are read. */
export function formCsrfValid(request: FastifyRequest, form: MultipartForm): boolean {
  const expected = request.admin?.session.csrfToken;
  const sent = typeof request.headers['x-csrf-token'] === 'string' ? request.headers['x-csrf-token'] : form.fields._csrf;
  return Boolean(expected) && typeof sent === 'string' && safeEqual(sent, expected!);
}
