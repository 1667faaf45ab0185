/**
 * Asking for a return in chat, the same on every channel: which order, which items and how many, why,
 * optional photos, then send. The conversation keeps its place in the session state (never in memory);
 * the request itself is written by the returns workflow, which checks everything again.
 */
import type { Config } from '#src/config.ts';
import type { Tx } from '#src/db/client.ts';
import type { ChatChannel, Customer, Order } from '#src/db/schema/index.ts';
import { isAppError } from '#src/errors.ts';
import type { Logger } from '#src/logger.ts';
import { findSellablesByVariantId, variantName } from '#src/modules/catalog/index.ts';
import { findOrderByNumber } from '#src/modules/orders/index.ts';
import { formatReturnNumber } from '#src/modules/returns/index.ts';
import { checkReturnable, requestReturn, returnableOrders, type Returnability } from '#src/workflows/returns/request-return.ts';
import type { Messages } from '#templates/messages/index.ts';
import { MAX_QUICK_REPLIES, type Button, type OutMessage } from '../messages.ts';
import type { PreparedPhoto } from './slips.ts';
import { shortLabel as short, type ReturnChatState } from '../context.ts';

export type { ReturnChatState } from '../context.ts';
import { normalizeText } from '../understanding/normalize.ts';
import type { ReturnReason } from '../understanding/index.ts';
import type { Command } from '../context.ts';

export interface ReturnChatCtx {
  tx: Tx;
  channel: ChatChannel;
  customer: Customer;
  readonly m: Messages;
  readonly locale: 'th' | 'en';
  state: { step: string; ret?: ReturnChatState | undefined };
}

export const MAX_RETURN_PHOTOS = 5;
const reasonCodes: ReturnReason[] = ['damaged', 'wrong_item', 'not_as_described', 'changed_mind', 'other'];

export function createReturnChat(deps: { config: Config; logger: Logger }) {
  const { config } = deps;
  const windowDays = () => config.shop.returnWindowDays;
  const text = (t: string, buttons?: Button[]): OutMessage => ({ type: 'text', text: t, buttons: buttons?.slice(0, MAX_QUICK_REPLIES) });
  const cancelButton = (m: Messages): Button => ({ label: m.returns.button.cancel, command: 'cancel return' });

  function end(ctx: ReturnChatCtx) {
    delete ctx.state.ret;
    if (ctx.state.step === 'return') ctx.state.step = 'idle';
  }

  function refusal(ctx: ReturnChatCtx, order: Order, check: Exclude<Returnability, { ok: true }>): OutMessage[] {
    const r = ctx.m.returns;
    switch (check.reason) {
      case 'not_yours':
        return [text(r.notFound(order.number))];
      case 'not_delivered':
        return [text(r.notDelivered(order.number, ctx.m.statusName[order.status]))];
      case 'window_passed':
        return [text(r.windowPassed(order.number, windowDays()))];
      case 'open_return':
        return [text(r.alreadyOpen(order.number, check.returnNumber))];
      case 'nothing_left':
        return [text(r.nothingLeft(order.number))];
    }
  }

  /** The order keeps each line's name as it was placed (in Thai): a customer who speaks English reads the catalog's English name. */
  async function named(ctx: ReturnChatCtx, check: Returnability): Promise<Returnability> {
    if (!check.ok || ctx.locale !== 'en') return check;
    const variants = await findSellablesByVariantId(ctx.tx, check.lines.map((l) => l.line.variantId));
    return {
      ...check,
      lines: check.lines.map((l) => {
        const variant = variants.get(l.line.variantId);
        return variant ? { ...l, line: { ...l.line, name: variantName(variant, 'en') } } : l;
      }),
    };
  }

  /** The order of the conversation, checked again: the window may have closed or the shop changed something. */
  async function current(ctx: ReturnChatCtx): Promise<{ order: Order; check: Returnability } | undefined> {
    const ret = ctx.state.ret;
    if (!ret) return undefined;
    const order = await findOrderByNumber(ctx.tx, ret.orderNumber);
    if (!order) return undefined;
    return { order, check: await named(ctx, await checkReturnable(ctx.tx, order, ctx.customer.id, { now: new Date(), windowDays: windowDays() })) };
  }

  function lineButtons(ctx: ReturnChatCtx, lines: Extract<Returnability, { ok: true }>['lines']): Button[] {
    const picked = ctx.state.ret?.picked ?? {};
    const buttons = lines
      .map((l, i) => ({ l, no: i + 1 }))
      .filter(({ l }) => !picked[l.line.id])
      .slice(0, MAX_QUICK_REPLIES - 2)
      .map(({ l, no }) => ({ label: short(`${no}. ${l.line.name}`), command: `return item ${no}` }));
    if (Object.keys(picked).length > 0) buttons.push({ label: ctx.m.returns.button.done, command: 'done' });
    buttons.push(cancelButton(ctx.m));
    return buttons;
  }

  function pickedTexts(lines: Extract<Returnability, { ok: true }>['lines'], picked: Record<string, number>): string[] {
    return lines.filter((l) => picked[l.line.id]).map((l) => `${l.line.name} x${picked[l.line.id]}`);
  }

  async function start(ctx: ReturnChatCtx, number: string | undefined): Promise<OutMessage[]> {
    const r = ctx.m.returns;
    if (!number) {
      const orders = await returnableOrders(ctx.tx, ctx.customer.id, { now: new Date(), windowDays: windowDays(), limit: MAX_QUICK_REPLIES - 1 });
      if (orders.length === 0) return [text(r.none(windowDays()), [{ label: ctx.m.button.status, command: 'status' }])];
      return [text(r.which, orders.map((o) => ({ label: short(r.button.start(o.number)), command: `return ${o.number}` })))];
    }
    const order = await findOrderByNumber(ctx.tx, number);
    if (!order || order.customerId !== ctx.customer.id) return [text(r.notFound(number))];
    const check = await named(ctx, await checkReturnable(ctx.tx, order, ctx.customer.id, { now: new Date(), windowDays: windowDays() }));
    if (!check.ok) return refusal(ctx, order, check);
    ctx.state.step = 'return';
    ctx.state.ret = { orderNumber: order.number, stage: 'lines', picked: {}, photos: [] };
    return [
      text(
        r.pickLines(order.number, check.lines.map((l, i) => ({ no: i + 1, name: l.line.name, qty: l.returnable }))),
        lineButtons(ctx, check.lines),
      ),
    ];
  }

  async function pick(ctx: ReturnChatCtx, item: number): Promise<OutMessage[]> {
    const found = await current(ctx);
    if (!found) return notInFlow(ctx);
    if (!found.check.ok) {
      end(ctx);
      return refusal(ctx, found.order, found.check);
    }
    const lines = found.check.lines;
    const chosen = lines[item - 1];
    const ret = ctx.state.ret!;
    if (!chosen) {
      return [text(ctx.m.returns.pickLines(found.order.number, lines.map((l, i) => ({ no: i + 1, name: l.line.name, qty: l.returnable }))), lineButtons(ctx, lines))];
    }
    if (chosen.returnable > 1) {
      ret.stage = 'qty';
      ret.pendingLine = chosen.line.id;
      const qtyButtons = Array.from({ length: Math.min(chosen.returnable, MAX_QUICK_REPLIES - 1) }, (_, i) => ({ label: String(i + 1), command: String(i + 1) }));
      return [text(ctx.m.returns.askQty(chosen.line.name, chosen.returnable), [...qtyButtons, cancelButton(ctx.m)])];
    }
    return addPicked(ctx, lines, chosen.line.id, 1);
  }

  function addPicked(ctx: ReturnChatCtx, lines: Extract<Returnability, { ok: true }>['lines'], lineId: number, qty: number): OutMessage[] {
    const ret = ctx.state.ret!;
    ret.picked[String(lineId)] = qty;
    ret.stage = 'lines';
    delete ret.pendingLine;
    const remaining = lines.filter((l) => !ret.picked[l.line.id]);
    if (remaining.length === 0) return askReason(ctx, ctx.m.returns.picked(pickedTexts(lines, ret.picked)));
    return [text(ctx.m.returns.picked(pickedTexts(lines, ret.picked)), lineButtons(ctx, lines))];
  }

  function askReason(ctx: ReturnChatCtx, before?: string): OutMessage[] {
    const r = ctx.m.returns;
    ctx.state.ret!.stage = 'reason';
    const buttons = reasonCodes.map((code) => ({ label: r.button.reason[code], command: `return reason ${code}` }));
    return [...(before ? [text(before)] : []), text(r.askReason, [...buttons, cancelButton(ctx.m)])];
  }

  function askPhotos(ctx: ReturnChatCtx): OutMessage[] {
    ctx.state.ret!.stage = 'photos';
    return [text(ctx.m.returns.askPhotos, [{ label: ctx.m.returns.button.send, command: 'send' }, cancelButton(ctx.m)])];
  }

  function setReason(ctx: ReturnChatCtx, reason: ReturnReason): OutMessage[] {
    const ret = ctx.state.ret!;
    if (Object.keys(ret.picked).length === 0) return [text(ctx.m.returns.nothingPicked)];
    if (reason === 'other') {
      ret.stage = 'other_reason';
      return [text(ctx.m.returns.askOtherReason, [cancelButton(ctx.m)])];
    }
    ret.reason = reason;
    return askPhotos(ctx);
  }

  async function send(ctx: ReturnChatCtx): Promise<OutMessage[]> {
    const ret = ctx.state.ret;
    if (!ret) return notInFlow(ctx);
    if (Object.keys(ret.picked).length === 0) return [text(ctx.m.returns.nothingPicked)];
    if (!ret.reason) return askReason(ctx);
    try {
      // A savepoint: a refusal (the window closed meanwhile) leaves the conversation's transaction usable.
      const { request, order } = await ctx.tx.transaction((sp) =>
        requestReturn(sp, {
          orderNumber: ret.orderNumber,
          customerId: ctx.customer.id,
          lines: Object.entries(ret.picked).map(([id, qty]) => ({ orderLineId: Number(id), qty })),
          reason: ret.reason!,
          photos: ret.photos,
          actor: `customer:${ctx.channel}`,
          now: new Date(),
          config,
        }),
      );
      end(ctx);
      return [text(ctx.m.returns.requested(formatReturnNumber(request.id), order.number), [{ label: ctx.m.button.status, command: 'status' }])];
    } catch (err) {
      if (!isAppError(err, 'RETURN_STATE') && !isAppError(err, 'RETURN_INVALID')) throw err;
      const found = await current(ctx);
      end(ctx);
      if (found && !found.check.ok) return refusal(ctx, found.order, found.check);
      return [text(ctx.m.returns.notInFlow)];
    }
  }

  function notInFlow(ctx: ReturnChatCtx): OutMessage[] {
    end(ctx);
    return [text(ctx.m.returns.notInFlow)];
  }

  return {
    /** A return command (start, pick, reason, done, send, cancel). */
    async command(ctx: ReturnChatCtx, command: Exclude<Extract<Command, { intent: 'return' }>, { action: 'reply' }>): Promise<OutMessage[]> {
      switch (command.action) {
        case 'start':
          return start(ctx, command.order);
        case 'cancel':
          if (!ctx.state.ret) return notInFlow(ctx);
          end(ctx);
          return [text(ctx.m.returns.cancelled, [{ label: ctx.m.button.menu, command: 'menu' }])];
        case 'pick':
          return pick(ctx, command.item);
        case 'done': {
          if (!ctx.state.ret) return notInFlow(ctx);
          if (Object.keys(ctx.state.ret.picked).length === 0) {
            const found = await current(ctx);
            return [text(ctx.m.returns.nothingPicked, found?.check.ok ? lineButtons(ctx, found.check.lines) : undefined)];
          }
          return askReason(ctx);
        }
        case 'reason':
          if (!ctx.state.ret) return notInFlow(ctx);
          return setReason(ctx, command.reason);
        case 'send':
          return send(ctx);
      }
    },

    /** Free text while a return is under way: a quantity, a line number, or the reason in the customer's words. */
    async reply(ctx: ReturnChatCtx, input: string): Promise<OutMessage[]> {
      const ret = ctx.state.ret;
      if (!ret) return notInFlow(ctx);
      const said = normalizeText(input);
      const n = /^\d{1,4}$/.test(said) ? Number(said) : undefined;
      switch (ret.stage) {
        case 'qty': {
          const found = await current(ctx);
          if (!found?.check.ok) return found ? (end(ctx), refusal(ctx, found.order, found.check as Exclude<Returnability, { ok: true }>)) : notInFlow(ctx);
          const line = found.check.lines.find((l) => l.line.id === ret.pendingLine);
          if (!line) return pick(ctx, 0);
          if (n === undefined || n < 1 || n > line.returnable) return [text(ctx.m.returns.badQty(line.returnable), [cancelButton(ctx.m)])];
          return addPicked(ctx, found.check.lines, line.line.id, n);
        }
        case 'lines':
          if (n !== undefined) return pick(ctx, n);
          return [text(ctx.m.returns.nothingPicked, [cancelButton(ctx.m)])];
        case 'reason':
        case 'other_reason': {
          if (said.length < 2) return [text(ctx.m.returns.askOtherReason, [cancelButton(ctx.m)])];
          ret.reason = said.slice(0, 500);
          return askPhotos(ctx);
        }
        case 'photos':
          return askPhotos(ctx);
      }
    },

    /** A photo while a return is under way: kept with the request (never read as a payment slip). */
    photo(ctx: ReturnChatCtx, photo: PreparedPhoto): OutMessage[] {
      const ret = ctx.state.ret!;
      const r = ctx.m.returns;
      const sendButtons = [{ label: r.button.send, command: 'send' }, cancelButton(ctx.m)];
      if (ret.photos.length >= MAX_RETURN_PHOTOS) return [text(r.tooManyPhotos(MAX_RETURN_PHOTOS), sendButtons)];
      if (photo.kind === 'refused') return [text(ctx.m.imageRefused[photo.code])];
      if (!ret.photos.includes(photo.file)) ret.photos.push(photo.file);
      return [text(r.photoSaved(ret.photos.length), sendButtons)];
    },
  };
}
