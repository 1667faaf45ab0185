/**
 * An address as it is printed: the text people typed, then the postcode when the text does not already
 * end with it (chat and marketplace addresses usually carry it in the text as well as apart).
 */
export function addressText(address: { address: string; postcode?: string | null | undefined }): string {
  const text = address.address.trim();
  const postcode = address.postcode?.trim();
  if (!postcode || new RegExp(`(^|\\D)${postcode}\\s*$`).test(text)) return text;
  return `${text} ${postcode}`;
}
