// A small consumer of the generated types, as a partner would write it: it pages through /v1/territories by
// following links.next until it is null and reads typed members with no cast and no non-null assertion.
// Type-checked strict by .ci/client-ts/run; run against a live API by .ci/contract/run:
//   node dist/consumer.js http://127.0.0.1:5080
import createClient from "openapi-fetch";
import type { paths } from "./generated/schema.js";

export interface Crawl {
  territories: number;
  pages: number;
  total: number | null;
}

export async function readAllTerritories(baseUrl: string, limit: number): Promise<Crawl> {
  // The second type parameter picks the media type, so responses are typed as the default JSON representation.
  const client = createClient<paths, "application/json">({ baseUrl });
  const seen = new Set<string>();
  let total: number | null = null;
  let pages = 0;
  let cursor: string | undefined;
  for (;;) {
    const { data, error, response } = await client.GET("/v1/territories", {
      params: { query: { limit, cursor } },
      headers: { Prefer: "count=exact" },
    });
    if (data === undefined) {
      throw new Error(`GET ${response.url}: ${response.status} ${JSON.stringify(error)}`);
    }
    pages++;
    for (const item of data.items) {
      const id: string = item.id;
      const name: string = item.name;
      const phase: string = item.phase;
      const communeCount: number = item.communeCount;
      const studied: boolean = item.studied;
      const firstRegion: string | undefined = item.regions[0]?.code;
      const latitude: number | undefined = item.point?.latitude;
      if (name.length === 0 || phase.length === 0 || communeCount < 1 || firstRegion === undefined) {
        throw new Error(`territory ${id} (studied: ${studied}) lacks a name, phase, commune or region`);
      }
      if (latitude !== undefined && (latitude < -90 || latitude > 90)) throw new Error(`territory ${id}: bad latitude`);
      if (seen.has(id)) throw new Error(`territory ${id} came twice`);
      seen.add(id);
    }
    if (data.total !== undefined && data.total !== null) total = data.total;
    const next: string | null = data.links.next;
    if (next === null) break;
    // The link carries the first page's query plus an opaque cursor; send that cursor back as it is.
    const nextCursor = new URL(next, baseUrl).searchParams.get("cursor");
    if (nextCursor === null) throw new Error(`links.next has no cursor: ${next}`);
    cursor = nextCursor;
  }
  return { territories: seen.size, pages, total };
}

const baseUrl = process.argv[2];
if (baseUrl !== undefined) {
  const crawl = await readAllTerritories(baseUrl, 50);
  const complete = crawl.total === crawl.territories;
  console.log(
    `consumer: read ${crawl.territories} territories in ${crawl.pages} pages; Prefer: count=exact total ${crawl.total ?? "absent"}` +
      (complete ? "" : " (MISMATCH)"),
  );
  process.exitCode = complete ? 0 : 1;
}
