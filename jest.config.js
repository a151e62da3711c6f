/** One jest run: unit specs beside the code (libs/, apps/), and test/ (contract, e2e, property, crash). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/libs', '<rootDir>/apps', '<rootDir>/test'],
  testRegex: '.*\\.(spec|test)\\.ts$',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: {
    '^@ledger/domain(.*)$': '<rootDir>/libs/domain/src$1',
    '^@ledger/event-store(.*)$': '<rootDir>/libs/event-store/src$1',
    '^@ledger/projections(.*)$': '<rootDir>/libs/projections/src$1',
  },
  testTimeout: 60000,
};
