// The unit + integration test projects (Playwright end-to-end tests run separately: `pnpm test:e2e`).
export default ['packages/*', 'apps/web', 'apps/bench'];
