; Inno Setup 6 script for Sahara Desktop: a per-user installer (no administrator rights) that wraps
; the PyInstaller folder dist\sahara built on Windows by `make package`.
;
;   iscc /DAppVersion=0.1.0 packaging\windows\sahara.iss
;       -> dist\sahara-0.1.0-windows-x64-setup.exe
;
; Run from the repository root or anywhere: paths below are relative to this file (SourcePath).
; What it does:
;   - installs into %LOCALAPPDATA%\Programs\Sahara (per user; PrivilegesRequired=lowest)
;   - Start menu entries for the app and its uninstaller; an optional desktop icon
;   - optional "start with Windows in the tray" (HKCU Run key -> sahara.exe gui --tray), off by default
;   - the uninstaller removes the program, the Start menu entries and the Run key; the user's data
;     (%LOCALAPPDATA%\Sahara: wallet keystore, database, devnet chain, settings, logs) is KEPT unless
;     the user ticks "Also delete my Sahara data" on the uninstaller's question (silent uninstalls
;     always keep it). The wallet's keystore lives there: deleting it loses funds without the phrase.
; Signing: pass /DSignTool=... with Inno's SignTool syntax to sign setup and uninstaller (see
; packaging\README.md); unsigned builds work but SmartScreen warns.
; The version comes from pyproject.toml ([project] version); the release workflow reads it there.

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=X.Y.Z packaging\windows\sahara.iss
#endif
#define AppName "Sahara Desktop"
#define DistDir AddBackslash(SourcePath) + "..\..\dist\sahara"
#define OutDir AddBackslash(SourcePath) + "..\..\dist"
#define IconFile AddBackslash(SourcePath) + "sahara.ico"

[Setup]
AppId={{8E4C6A52-3F0B-4C8E-9D61-5A2B7E1C9F30}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=Sahara Desktop developers
AppVerName={#AppName} {#AppVersion}
DefaultDirName={autopf}\Sahara
DefaultGroupName=Sahara
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#OutDir}
OutputBaseFilename=sahara-{#AppVersion}-windows-x64-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
UninstallDisplayIcon={app}\sahara.exe
UninstallDisplayName={#AppName}
CloseApplications=yes
; The running app holds this mutex (app/ui/single_instance.py WINDOWS_MUTEX): setup and uninstall
; ask the user to quit Sahara (tray included) instead of leaving files in use.
AppMutex=SaharaDesktopRunning
#ifdef SignTool
SignTool={#SignTool}
SignedUninstaller=yes
#endif
; The same icon sahara.spec gives sahara.exe (made from app/ui/assets/sahara.svg).
SetupIconFile={#IconFile}

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked
Name: "autostart"; Description: "Start Sahara in the system tray when I sign in (for renting my GPU)"; GroupDescription: "Start-up:"; Flags: unchecked

[InstallDelete]
; An upgrade starts from a clean _internal: a library or module the new build no longer has must not
; stay behind beside the new ones (PyInstaller's folder is one consistent set).
Type: filesandordirs; Name: "{app}\_internal"

[Files]
; The whole PyInstaller folder: sahara.exe (windowed), sahara-cli.exe (console), anvil.exe, _internal\.
Source: "{#DistDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\sahara.exe"
Name: "{group}\Uninstall {#AppName}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\sahara.exe"; Tasks: desktopicon

[Registry]
; Per-user start at sign-in; removed by the uninstaller (uninsdeletevalue).
Root: HKCU; Subkey: "Software\Microsoft\Windows\CurrentVersion\Run"; ValueType: string; ValueName: "Sahara"; ValueData: """{app}\sahara.exe"" gui --tray"; Flags: uninsdeletevalue; Tasks: autostart

[Run]
Filename: "{app}\sahara.exe"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[Code]
// The user's data folder, as app.paths resolves it with platformdirs on Windows (appname "Sahara",
// no author): %LOCALAPPDATA%\Sahara holds config, data, logs and cache.
function UserDataDir(): String;
begin
  Result := ExpandConstant('{localappdata}\Sahara');
end;

// Stop the embedded devnet (anvil.exe, started by the app) so its files are not in use while they are
// removed. Only where the app has made a devnet folder: any `sahara-cli` command creates the data
// folders, and the uninstaller must not create a data folder the user never had.
procedure StopDevnet();
var
  ResultCode: Integer;
begin
  if DirExists(UserDataDir() + '\devnet') then
    Exec(ExpandConstant('{app}\sahara-cli.exe'), 'devnet stop', '', SW_HIDE, ewWaitUntilTerminated, ResultCode);
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if CurUninstallStep = usUninstall then
    StopDevnet();
  if (CurUninstallStep = usPostUninstall) and DirExists(UserDataDir()) and not UninstallSilent() then
  begin
    if MsgBox('Also delete your Sahara data in ' + UserDataDir() + '?' + #13#10 + #13#10 +
              'It holds your wallet keystore, local chain, settings and logs. Without your recovery ' +
              'phrase a deleted wallet cannot be restored. Choose No to keep it (recommended).',
              mbConfirmation, MB_YESNO or MB_DEFBUTTON2) = IDYES then
      DelTree(UserDataDir(), True, True, True);
  end;
end;
