/** Driving the web chat page (/chat) as a customer does. */
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { WAIT_MS } from '#tests/helpers/wait.ts';

/** Types a message, sends it and waits for the bot's answer; returns the text of that answer. */
export async function sendInChat(page: Page, text: string): Promise<string> {
  const before = await page.getByTestId('bot-message').count();
  await page.getByTestId('composer-input').fill(text);
  await page.getByTestId('send-button').click();
  await expect.poll(() => page.getByTestId('bot-message').count(), { timeout: WAIT_MS }).toBeGreaterThan(before);
  return (await page.getByTestId('bot-message').last().innerText()).trim();
}
