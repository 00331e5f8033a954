// test-appium-afc.js
//
// Copyright 2026 The Keepsake authors
//
// This program is free software: you can redistribute it and/or modify
// it under the terms of the GNU General Public License as published by
// the Free Software Foundation, either version 3 of the License, or
// (at your option) any later version.
//
// This program is distributed in the hope that it will be useful,
// but WITHOUT ANY WARRANTY; without even the implied warranty of
// MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
// GNU General Public License for more details.
//
// You should have received a copy of the GNU General Public License
// along with this program.  If not, see <http://www.gnu.org/licenses/>.
//
// SPDX-License-Identifier: GPL-3.0-or-later

// An independent client of the emulated iPhone: appium-ios-device, a
// JavaScript implementation of usbmuxd, lockdownd (TLS session) and AFC
// that none of us wrote.  Reached through USBMUXD_SOCKET_ADDRESS; it reads
// the pair record libimobiledevice saved.  Prints one JSON object with what
// it saw; the Python wrapper compares that with the media folder.

'use strict';

const crypto = require('node:crypto');
const path = require('node:path');
const { utilities, services } = require('appium-ios-device');

// appium's AFC decoder refuses frames over 1 MiB.
const READ_CHUNK = 512 * 1024;
const AFC_MODE_READ = 1;

async function readWhole (afc, devicePath) {
  const hash = crypto.createHash('sha256');
  const handle = await afc.openFile(devicePath, AFC_MODE_READ);
  let size = 0;
  try {
    for (;;) {
      const chunk = await afc.readFile(handle, READ_CHUNK);
      if (!chunk || chunk.length === 0) {
        break;
      }
      hash.update(chunk);
      size += chunk.length;
    }
  } finally {
    await afc.closeFileHandle(handle);
  }
  return { sha256: hash.digest('hex'), size };
}

// Every phase reports on its own, so a failure in one still shows what the
// others saw.
async function phase (result, name, fn) {
  try {
    result[name] = { ok: true, ...(await fn()) };
  } catch (err) {
    result[name] = { ok: false, error: String(err && err.stack ? err.stack : err) };
  }
}

async function main () {
  const result = {};
  let udid = null;

  await phase(result, 'lockdown', async () => {
    const udids = await utilities.getConnectedDevices();
    udid = udids[0];
    return {
      udids,
      name: await utilities.getDeviceName(udid),
      osVersion: await utilities.getOSVersion(udid),
    };
  });
  if (!udid) {
    return result;
  }

  // TLS lockdown session (HostID from the pair record) + StartService, then
  // our notification_proxy relays a name posted on an observing connection.
  await phase(result, 'notificationProxy', async () => {
    const np = await services.startNotificationProxyService(udid);
    const name = 'io.github.keepsake.emulator.test';
    try {
      await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no RelayNotification within 5 s')), 5000);
        np.observeNotification(name, {
          notification: () => {
            clearTimeout(timer);
            resolve();
          },
        });
        np.postNotification(name);
      });
    } finally {
      np.close();
    }
    return { relayed: name };
  });

  await phase(result, 'afc', async () => {
    const afc = await services.startAfcService(udid);
    const out = { files: {} };
    try {
      const found = [];
      await afc.walkDir('/DCIM', true, async (itemPath, isDirectory) => {
        found.push({ itemPath, isDirectory });
      });
      out.dirs = found.filter((f) => f.isDirectory).map((f) => f.itemPath).sort();
      for (const { itemPath, isDirectory } of found) {
        if (isDirectory) {
          continue;
        }
        const info = await afc.getFileInfo(itemPath);
        const read = await readWhole(afc, itemPath);
        out.files[path.posix.relative('/', itemPath)] = { ...read, stSize: info.size };
      }
    } finally {
      afc.close();
    }
    return out;
  });
  return result;
}

main().then((result) => {
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(0);
}, (err) => {
  process.stderr.write(`appium-ios-device failed: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
