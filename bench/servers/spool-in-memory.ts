// Benchmark only: stands in for server/analytics/spool/file-spool.ts (Node: an esbuild alias; Deno: an import
// map), so the `-mem` targets run the same proxy and analytics pipeline with events kept in memory. Their
// difference to the normal targets is what the durable spool costs.
export { openMemorySpool as openFileSpool } from '../../test/fakes/memory-spool.ts'
