/**
 * Follows a paged listing to its end. A Marker loop rather than the SDK
 * paginators: they reuse (and mutate) one input object for every page, which
 * hides each page's Marker from tests. RDS ends a listing with no marker, or
 * an empty one.
 */
export async function collectPages<T>(
  fetchPage: (marker: string | undefined) => Promise<{ items: T[]; marker: string | undefined }>,
): Promise<T[]> {
  const items: T[] = [];
  let marker: string | undefined;
  do {
    const page = await fetchPage(marker);
    items.push(...page.items);
    marker = page.marker;
  } while (marker !== undefined && marker !== '');
  return items;
}
