export default async function globalTeardown(): Promise<void> {
  await globalThis.__SESAME_EMBEDDED_DB__?.stop();
}
