import type { Config } from '../config.ts';
import { pruneWebchatUploads } from '../modules/conversations/index.ts';

/**
 * Web-chat photos older than WEBCHAT_UPLOAD_KEEP_DAYS are removed every hour. Slips and return photos
 * were copied out when they were taken; what goes is chat photos and whatever was never read.
 */
export function pruneWebchatUploadsJob(config: Pick<Config, 'dataDir' | 'webchatUploads'>, now: Date): Promise<number> {
  return pruneWebchatUploads(config.dataDir, new Date(now.getTime() - config.webchatUploads.keepDays * 86_400_000));
}
