// Refuse an unsupported Node before npm spends minutes compiling native modules. Node 22 LTS is the version to use
// (package.json "engines"); Node 20.11+ keeps working but is past its end of life.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 11)) {
  console.error(`Clinic Backup needs Node.js 22 LTS (20.11 or newer still works; found ${process.versions.node}).`);
  process.exit(1);
}
if (major < 22) console.error(`Node.js ${process.versions.node} is past its end of life: install Node.js 22 LTS (Clinic Backup still works on it).`);
