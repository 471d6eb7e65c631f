/** The package version; a test keeps it equal to package.json's, so startup reads no file. */
export const VERSION = '0.1.0';
