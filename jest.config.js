/**
 * Two projects so that `npm run test:unit` stays fast while `npm test` also runs the
 * end-to-end suites against the lab's real components (they need root and Debian packages).
 */
const common = {
  preset: "ts-jest",
  testEnvironment: "node",
  setupFilesAfterEnv: ["<rootDir>/jest.setup.ts"],
  // tsconfig's isolatedModules makes ts-jest transpile file by file: `npm test` type-checks once with tsc before jest.
  transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] },
};

module.exports = {
  reporters: [
    "default",
    ["jest-junit", { outputDirectory: "reports", outputName: "junit.xml" }],
    "<rootDir>/.ci/summary-reporter.js",
  ],
  projects: [
    { ...common, displayName: "unit", testMatch: ["<rootDir>/__tests__/**/*.test.ts"], testPathIgnorePatterns: ["/e2e/"] },
    { ...common, displayName: "e2e", testMatch: ["<rootDir>/__tests__/e2e/**/*.test.ts"] },
  ],
};
