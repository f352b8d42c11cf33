/** The `Prefer` request header (RFC 7240): comma-separated preferences, each `name=token;params`. */

/** Whether a `Prefer` header holds the preference `name=token` (`count=exact`, `return=representation`). */
export function prefers(
  prefer: string | string[] | undefined,
  name: string,
  token: string,
): boolean {
  const values = Array.isArray(prefer) ? prefer : prefer === undefined ? [] : [prefer];
  return values.some((value) =>
    value.split(',').some((preference) => {
      const [given = '', value = ''] = (preference.split(';')[0] ?? '')
        .split('=')
        .map((part) => part.trim().replace(/^"|"$/g, '').toLowerCase());
      return given === name && value === token;
    }),
  );
}
