// Refuse an unsupported Node before npm spends minutes compiling native modules.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 11)) {
  console.error(`Clinic Backup needs Node.js 20.11 or newer (found ${process.versions.node}).`);
  process.exit(1);
}
