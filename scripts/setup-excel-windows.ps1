# One-step set-up of TierPlan's Excel buttons on Windows: a Python 3.11 venv with TierPlan and the locked packages,
# and a macro workbook whose xlwings.conf sheet points at that venv's pythonw.exe. See docs/excel.md, "Set-up".
#
#   powershell -ExecutionPolicy Bypass -File scripts\setup-excel-windows.ps1 [-Wheel FILE.whl] [-Venv DIR] [-Book FILE.xlsm] [-From BOOK]
#
#   -Wheel FILE  install TierPlan from this wheel (made by `python -m build --wheel`); default: from this repository
#   -Venv DIR    where the venv goes (default: %USERPROFILE%\TierPlan\.venv, outside OneDrive's Documents and Desktop)
#   -Book FILE   the macro workbook to write (default: %USERPROFILE%\TierPlan\tier_planner.xlsm; an existing one is kept)
#   -From BOOK   carry the inputs of an existing planning workbook into it (default: the demo)
#   -Python EXE  the Python 3.11 to build the venv with (default: the py launcher's 3.11, then python on PATH)
param(
    [string]$Wheel = "",
    [string]$Venv = (Join-Path $env:USERPROFILE "TierPlan\.venv"),
    [string]$Book = (Join-Path $env:USERPROFILE "TierPlan\tier_planner.xlsm"),
    [string]$From = "",
    [string]$Python = ""
)
$ErrorActionPreference = "Stop"
$repo = Split-Path -Parent $PSScriptRoot
$lock = Join-Path $repo "requirements\product.lock"

function Step([string]$text) { Write-Host "==> $text" }

# Runs a program and stops the script when it fails (PowerShell 5.1 does not stop on a native exit code by itself).
function Run([string]$exe, [string[]]$arguments) {
    & $exe @arguments
    if ($LASTEXITCODE -ne 0) { throw "$exe $($arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

function Test-Python311([string[]]$command) {
    try {
        $exe = $command[0]
        $rest = @($command | Select-Object -Skip 1)
        & $exe @rest -c "import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)" 2>$null
        return ($LASTEXITCODE -eq 0)
    } catch { return $false }
}

# Python 3.11: -Python, else the py launcher (python.org's installer puts it in place), else python on PATH
$candidates = @()
if ($Python) { $candidates += ,@($Python) }
if (Get-Command py -ErrorAction SilentlyContinue) { $candidates += ,@("py", "-3.11") }
if (Get-Command python -ErrorAction SilentlyContinue) { $candidates += ,@("python") }
$base = $null
foreach ($c in $candidates) { if (Test-Python311 $c) { $base = $c; break } }
if (-not $base) {
    Write-Error ("TierPlan's locked install needs Python 3.11. Install it from python.org (Windows installer, 64-bit; " +
                 "tick 'Add python.exe to PATH' or keep the py launcher), then run this script again, or pass -Python C:\path\to\python.exe.")
    exit 2
}
if (-not (Test-Path $lock)) { Write-Error "$lock is missing (run this script from a copy of the TierPlan repository)"; exit 2 }
if ($Wheel -and -not (Test-Path $Wheel)) { Write-Error "the wheel $Wheel does not exist"; exit 2 }

$baseExe = $base[0]
$baseArgs = @($base | Select-Object -Skip 1)
$venvPython = Join-Path $Venv "Scripts\python.exe"
$venvPythonw = Join-Path $Venv "Scripts\pythonw.exe"
if ((Test-Path $venvPython) -and -not (Test-Python311 @($venvPython))) {
    Step "Removing $Venv (not Python 3.11)"
    Remove-Item -Recurse -Force $Venv
}
if (-not (Test-Path $venvPython)) {
    Step "Creating the venv $Venv"
    New-Item -ItemType Directory -Force -Path (Split-Path -Parent $Venv) | Out-Null
    Run $baseExe ($baseArgs + @("-m", "venv", $Venv))
}
$pip = @("-m", "pip", "--disable-pip-version-check", "--no-input")

Step "Installing the locked packages ($lock, with hashes)"
Run $venvPython ($pip + @("install", "--quiet", "--require-hashes", "--no-deps", "-r", $lock))
if ($Wheel) {
    Step "Installing TierPlan from $Wheel"
    Run $venvPython ($pip + @("install", "--quiet", "--no-deps", "--force-reinstall", $Wheel))
} else {
    Step "Installing TierPlan from $repo"
    Run $venvPython ($pip + @("install", "--quiet", "--no-deps", "--no-build-isolation", "--force-reinstall", $repo))
}
Run $venvPython ($pip + @("check"))

$tierplan = Join-Path $Venv "Scripts\tierplan.exe"
if (Test-Path $Book) {
    Step "Keeping the existing workbook $Book (delete it and run again to rebuild it)"
} else {
    Step "Writing the macro workbook $Book"
    New-Item -ItemType Directory -Force -Path (Split-Path -Parent $Book) | Out-Null
    $excelArgs = @("excel", $Book, "--interpreter", $venvPythonw)
    if ($From) { $excelArgs += @("--from", $From) }
    Run $tierplan $excelArgs
}

Step "Checking the set-up (tierplan doctor)"
& $tierplan doctor $Book
if ($LASTEXITCODE -eq 0) {
    Write-Host "Done. Open $Book in Excel, allow macros, and press 'Run optimization' on the Guide sheet."
    exit 0
}
Write-Host "The set-up is done, but the doctor found something to fix (above: each FIX line says what to do)."
exit 1
